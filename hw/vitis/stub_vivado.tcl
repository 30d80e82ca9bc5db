# Runs package_xo.tcl under plain tclsh with the Vivado commands it calls replaced by stubs, so its argument
# handling, its reading of kernel.xml and its packaging decisions can be tested without Vivado
# (tests/unit/test_vitis_package.cpp):
#
#   tclsh hw/vitis/stub_vivado.tcl <package_xo.tcl arguments>
#
# The stubbed IP is a systole_top whose bus interfaces are $STUB_BUSIFS (default: s_axi_control and the four
# masters); those in $STUB_READERS have read channels (default: all but m_axi_store), those in $STUB_WRITERS write
# channels (default: s_axi_control, m_axi_store). Its user parameters are the `parameter`s (not the localparams) of
# hw/rtl/systole_top.sv, as Vivado's packager infers them. Each IP-changing call is printed as
# "STUB: <command> <arguments>", and the stubbed package_xo writes an empty .xo where it was asked to.
#
# $STUB_PACKAGE_XO names another copy of package_xo.tcl to run (a `systole build-xclbin` folder's), so a fake `vivado`
# on PATH can stand in for the real one there (tests/unit/test_build_xclbin.cpp).

proc stub_env {name default} {
  return [expr {[info exists ::env($name)] ? $::env($name) : $default}]
}
set stub_busifs [stub_env STUB_BUSIFS {s_axi_control m_axi_fetch m_axi_load m_axi_acc m_axi_store}]
set stub_readers [stub_env STUB_READERS {s_axi_control m_axi_fetch m_axi_load m_axi_acc}]
set stub_writers [stub_env STUB_WRITERS {s_axi_control m_axi_store}]
set stub_top [open [file join [file dirname [file normalize [info script]]] .. rtl systole_top.sv] r]
set stub_params [lmap {-> name} [regexp -all -inline {\mparameter\s+[^=;]*?\m(\w+)\s*=} [read $stub_top]] {
  set name
}]
close $stub_top

proc note {args} { puts "STUB: [join $args]" }
foreach cmd {create_project add_files update_compile_order close_project set_property} {
  proc $cmd {args} "note $cmd {*}\$args"
}
proc package_xo {args} {
  note package_xo {*}$args
  close [open [lindex $args [expr {[lsearch $args -xo_path] + 1}]] w]
}
proc current_fileset {args} { return sources_1 }
proc get_property {prop obj} {
  switch -- $prop {
    vlnv { return "systole:kernel:systole_top:1.0" }
    NAME { return [lmap o $obj {lindex [split $o :] end}] }
  }
  return ""
}

namespace eval ipx {}
proc ipx::package_project {args} { note ipx::package_project {*}$args }
proc ipx::unload_core {args} {}
proc ipx::edit_ip_in_project {args} {}
proc ipx::current_core {} { return core }
proc ipx::get_user_parameters {args} {
  if {[lindex $args 0] eq "-quiet"} {
    set name [lindex $args 1]
    return [expr {$name in $::stub_params ? "user_param:$name" : ""}]
  }
  return [lmap name $::stub_params {string cat user_param: $name}]
}
proc ipx::get_hdl_parameters {args} { return "hdl_param:[lindex $args 1]" }
proc ipx::get_bus_interfaces {args} {
  set name [lindex $args [expr {[lindex $args 0] eq "-quiet" ? 1 : 0}]]
  return [expr {$name in $::stub_busifs ? "busif:$name" : ""}]
}
proc ipx::associate_bus_interfaces {args} { note ipx::associate_bus_interfaces {*}$args }
proc ipx::get_port_maps {args} {
  set logical [lindex $args 1]
  set busif [lindex [split [lindex $args end] :] end]
  set with [expr {$logical eq "AWVALID" ? $::stub_writers : $::stub_readers}]
  return [expr {$busif in $with ? "port_map" : ""}]
}
proc ipx::get_bus_parameters {args} { return "" }
proc ipx::add_bus_parameter {name busif} { return "$busif.$name" }
foreach cmd {create_xgui_files update_checksums check_integrity save_core} { proc ipx::$cmd {args} {} }

set argc [llength $argv]
source [stub_env STUB_PACKAGE_XO [file join [file dirname [info script]] package_xo.tcl]]
