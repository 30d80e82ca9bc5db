// Debian's libsystemc.so refers to sc_main (its own main calls it). Systole's executables have their own main and
// drive SystemC through sim::accelerator(), so this definition only satisfies the link; it is never called.
#include <systemc>

int sc_main(int, char*[]) {
  return 1;
}
