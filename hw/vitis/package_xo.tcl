# Packages the Systole RTL top as a Vitis RTL kernel (.xo), for one arch config. Vivado batch script:
#
#   vivado -mode batch -source hw/vitis/package_xo.tcl -tclargs \
#     --part xcu280-fsvh2892-2L-e --spec-gen-dir build/generated --config default \
#     --xo build/vitis/systole_default.xo --param Rows=16 --param Cols=16 ...
#
#   --part PART          the board's `part` (boards/<board>.toml)
#   --spec-gen-dir DIR   the build tree's generated/ folder: rtl/systole_pkg.sv and vitis/<CONFIG>/kernel.xml
#   --config CONFIG      the arch config (hw/arch/<CONFIG>.toml) whose kernel.xml is packaged
#   --xo FILE            the .xo to write
#   --param NAME=VALUE   a parameter of the RTL top, repeated once per parameter the arch config sets
#   --rtl-dir DIR        RTL sources (default: hw/rtl beside this script); every *.sv in it is added
#   --work-dir DIR       scratch project and IP folder (default: FILE with .work instead of .xo)
#
# Nothing about the kernel is restated here: its name, VLNV, interface names and the memory ports' width are read
# from kernel.xml, which hw/spec/gen_spec.py generates from hw/spec/regmap.toml and the arch config. The top must
# expose the ports Vitis requires: ap_clk, ap_rst_n (active low), interrupt, s_axi_control_* (AXI4-Lite) and
# m_axi_<port>_* (AXI4) for each master port of kernel.xml, so that IP packaging infers the bus interfaces by name.
# The top's BeatBytes parameter is the memory ports' data width in bytes; this script sets it from kernel.xml.

proc fail {msg} {
  puts stderr "ERROR: \[package_xo.tcl\] $msg"
  exit 1
}

proc slurp {path} {
  set fh [open $path r]
  set text [read $fh]
  close $fh
  return $text
}

# --- arguments ---
set part ""
set spec_gen_dir ""
set xo ""
set config ""
set work_dir ""
set rtl_dir [file normalize [file join [file dirname [info script]] .. rtl]]
set params {}
for {set i 0} {$i < $argc} {incr i} {
  set opt [lindex $argv $i]
  if {$i + 1 >= $argc} { fail "option '$opt' needs a value" }
  set val [lindex $argv [incr i]]
  switch -- $opt {
    --part { set part $val }
    --spec-gen-dir { set spec_gen_dir [file normalize $val] }
    --config { set config $val }
    --xo { set xo [file normalize $val] }
    --rtl-dir { set rtl_dir [file normalize $val] }
    --work-dir { set work_dir [file normalize $val] }
    --param {
      if {![regexp {^([A-Za-z_][A-Za-z0-9_]*)=(.+)$} $val -> name value]} {
        fail "--param takes NAME=VALUE, got '$val'"
      }
      dict set params $name $value
    }
    default { fail "unknown option '$opt' (see the top of this script)" }
  }
}
foreach {var opt} {part --part spec_gen_dir --spec-gen-dir config --config xo --xo} {
  if {[set $var] eq ""} { fail "$opt is required" }
}
if {$work_dir eq ""} { set work_dir "[file rootname $xo].work" }

# --- the kernel as kernel.xml describes it ---
set kernel_xml [file join $spec_gen_dir vitis $config kernel.xml]
set pkg [file join $spec_gen_dir rtl systole_pkg.sv]
foreach f [list $kernel_xml $pkg] {
  if {![file exists $f]} { fail "$f is missing: generate it first (cmake --build build --target systole_spec_gen)" }
}
set xml [slurp $kernel_xml]
if {![regexp {<kernel name="([^"]+)"[^>]* vlnv="([^"]+)"} $xml -> kernel vlnv]} {
  fail "$kernel_xml: no <kernel name=... vlnv=...>"
}
if {[llength [set parts [split $vlnv :]]] != 4} { fail "$kernel_xml: vlnv '$vlnv' is not vendor:library:name:version" }
lassign $parts vendor library ip_name version
if {$ip_name ne $kernel} { fail "$kernel_xml: vlnv name '$ip_name' differs from kernel name '$kernel'" }
if {![regexp {<port name="([^"]+)" mode="slave"} $xml -> control_port]} { fail "$kernel_xml: no slave port" }
# Every AXI4 master (one per DMA client: fetch, load, acc, store) has the arch config's data width.
set memory_ports {}
set memory_bits ""
foreach {-> name bits} [regexp -all -inline {<port name="([^"]+)" mode="master"[^>]* dataWidth="([0-9]+)"} $xml] {
  if {$memory_bits ne "" && $bits != $memory_bits} {
    fail "$kernel_xml: master ports differ in dataWidth ($memory_bits and $bits)"
  }
  lappend memory_ports $name
  set memory_bits $bits
}
if {[llength $memory_ports] == 0} { fail "$kernel_xml: no master port with a dataWidth" }
if {$memory_bits % 8} { fail "$kernel_xml: dataWidth $memory_bits is not a whole number of bytes" }
set beat_bytes [expr {$memory_bits / 8}]
if {[dict exists $params BeatBytes] && [dict get $params BeatBytes] != $beat_bytes} {
  fail "--param BeatBytes=[dict get $params BeatBytes] disagrees with kernel.xml of '$config' ($memory_bits-bit\
    memory ports, BeatBytes=$beat_bytes)"
}
dict set params BeatBytes $beat_bytes

set sources [lsort [glob -nocomplain -directory $rtl_dir *.sv]]
if {[llength $sources] == 0} { fail "no *.sv files in $rtl_dir" }

puts "package_xo.tcl: kernel $kernel ($vlnv), arch config $config, for $part from [llength $sources] files in\
  $rtl_dir"
puts "package_xo.tcl: memory ports [join $memory_ports {, }], $memory_bits bits"
puts "package_xo.tcl: parameters $params (any other parameter keeps its HDL default)"

# --- RTL project, packaged as IP ---
file mkdir $work_dir
create_project -force systole_xo [file join $work_dir project] -part $part
add_files -norecurse [concat [list $pkg] $sources]
set_property top $kernel [current_fileset]
update_compile_order -fileset sources_1

set ip_dir [file join $work_dir ip]
ipx::package_project -root_dir $ip_dir -vendor $vendor -library $library -taxonomy /KernelIP -import_files \
  -set_current false
ipx::unload_core [file join $ip_dir component.xml]
ipx::edit_ip_in_project -upgrade true -name systole_xo_edit -directory [file join $work_dir edit] \
  [file join $ip_dir component.xml]
set core [ipx::current_core]
set_property version $version $core
set_property core_revision 1 $core
if {[get_property vlnv $core] ne $vlnv} {
  fail "packaged IP is [get_property vlnv $core], kernel.xml says $vlnv (is the top module named $kernel?)"
}

# The arch config: each parameter's value becomes the IP's, so v++ instantiates the top with it.
foreach {name value} $params {
  set up [ipx::get_user_parameters -quiet $name -of_objects $core]
  if {$up eq ""} {
    set known [lsort [get_property NAME [ipx::get_user_parameters -of_objects $core]]]
    fail "$kernel has no parameter '$name' (it has: [join $known {, }])"
  }
  set_property value $value $up
  set hp [ipx::get_hdl_parameters -quiet $name -of_objects $core]
  if {$hp ne ""} { set_property value $value $hp }
}

# Every bus interface runs on ap_clk.
foreach busif [concat [list $control_port] $memory_ports] {
  if {[ipx::get_bus_interfaces -quiet $busif -of_objects $core] eq ""} {
    fail "$kernel has no bus interface '$busif' (its ports must be named ${busif}_awvalid, ${busif}_arvalid, ...)"
  }
  ipx::associate_bus_interfaces -busif $busif -clock ap_clk $core
}

# Sets a bus parameter of an interface, adding it when inference did not.
proc set_bus_parameter {core busif name value} {
  set bi [ipx::get_bus_interfaces $busif -of_objects $core]
  set bp [ipx::get_bus_parameters -quiet $name -of_objects $bi]
  if {$bp eq ""} { set bp [ipx::add_bus_parameter $name $bi] }
  set_property value $value $bp
}

# The masters. A read-only master has only the AR and R channels, a write-only one AW, W and B; the packaged
# interface says so (READ_WRITE_MODE), so the platform's interconnect carries only the channels in use. Each one
# declares the width kernel.xml gives (DATA_WIDTH, as in the Vitis RTL-kernel tutorial's package script), and
# that it issues INCR bursts of full-width beats only (HAS_BURST 0, SUPPORTS_NARROW_BURST 0, which UG1393
# recommends for kernel masters).
foreach busif $memory_ports {
  set bi [ipx::get_bus_interfaces $busif -of_objects $core]
  set reads [expr {[ipx::get_port_maps -quiet ARVALID -of_objects $bi] ne ""}]
  set writes [expr {[ipx::get_port_maps -quiet AWVALID -of_objects $bi] ne ""}]
  if {!$reads && !$writes} { fail "$busif has neither ${busif}_arvalid nor ${busif}_awvalid" }
  set mode [expr {$reads && $writes ? "READ_WRITE" : ($reads ? "READ_ONLY" : "WRITE_ONLY")}]
  set_bus_parameter $core $busif READ_WRITE_MODE $mode
  set_bus_parameter $core $busif DATA_WIDTH $memory_bits
  set_bus_parameter $core $busif HAS_BURST 0
  set_bus_parameter $core $busif SUPPORTS_NARROW_BURST 0
  puts "package_xo.tcl: $busif: $mode, $memory_bits bits"
}

set_property sdx_kernel true $core
set_property sdx_kernel_type rtl $core
set_property ipi_drc {ignore_freq_hz true} $core
# Vivado 2021.1 and later check the control protocol at packaging time; older ones lack the property.
catch { set_property vitis_drc {ctrl_protocol ap_ctrl_hs} $core }
ipx::create_xgui_files $core
ipx::update_checksums $core
ipx::check_integrity $core
ipx::save_core $core
close_project -delete

# --- the .xo ---
file mkdir [file dirname $xo]
package_xo -force -xo_path $xo -kernel_name $kernel -ip_directory $ip_dir -kernel_xml $kernel_xml
puts "package_xo.tcl: wrote $xo"
