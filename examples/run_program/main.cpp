// Runs a compiled Systole program with the installed host runtime:
//
//   run_program PROGRAM.sys [NAME=INPUT.npy ...] -o OUT_DIR [--backend functional|systemc|xrt]
//
// Opens a device on the arch config the program was compiled for, loads the program (the runtime verifies it),
// binds each input by name, runs it and writes every output as OUT_DIR/NAME.npy, printing its shape and the cycles
// where the backend counts them. Errors (a bad program, a missing input, a shape that does not match) are one line.
#include <systole/runtime.hpp>

#include <cstdio>
#include <exception>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

int main(int argc, char** argv) {
  try {
    std::string program_file, out_dir, backend = "functional";
    std::map<std::string, systole::Tensor> inputs;
    for (int i = 1; i < argc; ++i) {
      const std::string_view arg = argv[i];
      if ((arg == "-o" || arg == "--backend") && i + 1 < argc) {
        (arg == "-o" ? out_dir : backend) = argv[++i];
      } else if (const auto eq = arg.find('='); eq != std::string_view::npos) {
        inputs[std::string(arg.substr(0, eq))] = systole::read_npy(std::string(arg.substr(eq + 1)));
      } else if (program_file.empty()) {
        program_file = arg;
      } else {
        throw systole::UserError("unexpected argument '" + std::string(arg) + "'");
      }
    }
    if (program_file.empty() || out_dir.empty()) {
      std::fprintf(stderr, "usage: run_program PROGRAM.sys [NAME=INPUT.npy ...] -o OUT_DIR [--backend B]\n");
      return 2;
    }

    systole::Program program = systole::Program::read(program_file);
    const auto device = systole::Device::open(backend, {.arch = program.arch_name});
    const auto loaded = device->load(std::move(program));
    const systole::RunResult result = loaded->run(inputs);

    std::filesystem::create_directories(out_dir);
    for (const auto& [name, tensor] : result.outputs) {
      systole::write_npy(std::filesystem::path(out_dir) / (name + ".npy"), tensor);
      std::printf("%s: %s %s\n", name.c_str(), std::string(systole::dtype_name(tensor.dtype)).c_str(),
                  tensor.shape_text().c_str());
    }
    if (const auto cycles = result.counters.find("cycles"); cycles != result.counters.end()) {
      std::printf("cycles: %llu\n", static_cast<unsigned long long>(cycles->second));
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "run_program: error: %s\n", e.what());
    return 1;
  }
}
