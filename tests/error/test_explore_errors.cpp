// `systole sweep` and `systole report` on bad input: one line naming the file and the key, a non-zero exit status,
// never a crash, and nothing written where an output path is not a regular file.
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "support/command.hpp"

using Catch::Contains;
namespace fs = std::filesystem;

namespace {

using systole::test::Outcome;
using systole::test::run_command;

const std::string kCnn = std::string(SYSTOLE_SOURCE_DIR) + "/models/digits/digits_cnn_qdq.onnx";

struct TempDir {
  fs::path path;
  TempDir() {
    std::string t = (fs::temp_directory_path() / "systole_explore_err_XXXXXX").string();
    REQUIRE(::mkdtemp(t.data()));
    path = t;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

void expect_one_line_error(const Outcome& o, const std::string& text) {
  INFO(o.output);
  CHECK(o.status != 0);
  CHECK(o.output.rfind("systole: error: ", 0) == 0);
  CHECK_THAT(o.output, Contains(text));
  CHECK(std::count(o.output.begin(), o.output.end(), '\n') == 1);
}

Outcome sweep_with(const TempDir& t, const std::string& spec, const std::string& args = "") {
  std::ofstream(t.path / "spec.toml") << spec;
  return run_command(std::string(SYSTOLE_CLI) + " sweep " + (t.path / "spec.toml").string() + " -o " +
                     (t.path / "out").string() + " " + args);
}

}  // namespace

TEST_CASE("sweep specs: each mistake named with its file and key", "[error]") {
  TempDir t;
  const std::string nets = "networks = [\"" + kCnn + "\"]\n";
  expect_one_line_error(sweep_with(t, nets + "colour = 1\n"), "key 'colour': unknown key");
  expect_one_line_error(sweep_with(t, "base = \"default\"\n"), "key 'networks': missing");
  expect_one_line_error(sweep_with(t, "networks = []\n"), "must name at least one ONNX model");
  expect_one_line_error(sweep_with(t, nets + "level = \"gate\"\n"), "key 'level': 'gate' is not one of");
  expect_one_line_error(sweep_with(t, nets + "baselines = [\"gpu\"]\n"), "'gpu' is not a baseline");
  expect_one_line_error(sweep_with(t, nets + "bench_repeat = 0\n"), "key 'bench_repeat': must be an integer");
  expect_one_line_error(sweep_with(t, nets + "bench_threads = -1\n"), "key 'bench_threads': must be an integer");
  expect_one_line_error(sweep_with(t, nets + "[axes]\n\"array.size\" = [4]\n"),
                        "key 'axes.array.size': not an arch-schema key");
  expect_one_line_error(sweep_with(t, nets + "[axes]\narray.rows = [4]\n"), "quote a dotted axis key");
  expect_one_line_error(sweep_with(t, nets + "[axes]\n\"array.rows\" = []\n"), "must be a non-empty array");
  expect_one_line_error(sweep_with(t, nets + "[axes]\n\"array.rows\" = [4, \"8\"]\n"), "values must be integers");
  expect_one_line_error(sweep_with(t, nets + "[axes]\n\"array.rows\" = [4, 4]\n"), "value 4 is given twice");
  expect_one_line_error(sweep_with(t, nets + "[axes]\n\"array.dataflow\" = [\"diagonal\"]\n"),
                        "values must be one of: weight_stationary, output_stationary");
  expect_one_line_error(sweep_with(t, nets + "[axes\n"), "spec.toml:");
  expect_one_line_error(sweep_with(t, nets + "base = \"huge\"\n"), "huge");
  expect_one_line_error(sweep_with(t, "networks = [\"missing.onnx\"]\n"), "missing.onnx");
  expect_one_line_error(sweep_with(t, nets, "--shard 3/2"), "--shard '3/2': expected K/N");
  expect_one_line_error(sweep_with(t, nets, "--jobs 0"), "--jobs 0");
}

TEST_CASE("sweep: an output that is not a folder is refused", "[error]") {
  TempDir t;
  std::ofstream(t.path / "out") << "a file";
  expect_one_line_error(sweep_with(t, "networks = [\"" + kCnn + "\"]\n"), "exists and is not a folder");
}

TEST_CASE("report: bad records and folders named, outputs only over regular files", "[error]") {
  TempDir t;
  const std::string cli = std::string(SYSTOLE_CLI) + " report ";
  const std::string out = " -o " + (t.path / "r.html").string();
  expect_one_line_error(run_command(cli + (t.path / "none").string() + out), "not a folder");
  fs::create_directories(t.path / "empty" / "records");
  expect_one_line_error(run_command(cli + (t.path / "empty").string() + out), "no records in");
  fs::create_directories(t.path / "plain");
  expect_one_line_error(run_command(cli + (t.path / "plain").string() + out), "has no records/");

  REQUIRE(sweep_with(t, "networks = [\"" + kCnn + "\"]\n").status == 0);
  const fs::path dir = t.path / "out" / "records" / "digits_cnn_qdq";
  const fs::path rec = fs::directory_iterator(dir)->path();
  const std::string good = [&] {
    std::ifstream in(rec);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }();
  const auto with_record = [&](const std::string& text) {
    std::ofstream(rec) << text;
    return run_command(cli + (t.path / "out").string() + out);
  };
  expect_one_line_error(with_record("{\"format\": "), "not valid JSON");
  expect_one_line_error(with_record("[]"), "not a JSON object");
  std::string no_cycles = good;
  no_cycles.replace(no_cycles.find("\"cycles\""), 8, "\"cyclez\"");
  expect_one_line_error(with_record(no_cycles), "key 'counters.cycles': missing");
  std::string bad_rows = good;
  bad_rows.replace(bad_rows.find("\"array.rows\": 16"), 16, "\"array.rows\": 0");
  expect_one_line_error(with_record(bad_rows), "array.rows");
  std::string neg = good;
  neg.replace(neg.find("\"macs\": "), 8, "\"macs\": -");
  expect_one_line_error(with_record(neg), "must be a non-negative integer");
  std::ofstream(rec) << good;
  fs::copy_file(rec, dir / "pt_0000000000000000.json");
  expect_one_line_error(run_command(cli + (t.path / "out").string() + out), "its path says otherwise");
  fs::remove(dir / "pt_0000000000000000.json");

  fs::create_directories(t.path / "html_dir");
  expect_one_line_error(run_command(cli + (t.path / "out").string() + " -o " + (t.path / "html_dir").string()),
                        "is a directory");
  expect_one_line_error(run_command(cli + (t.path / "out").string() + out + " --csv /dev/full"), "--csv");
  expect_one_line_error(run_command(cli + (t.path / "out").string() + out + " --technology 7nm"),
                        "--technology '7nm': not in");
  REQUIRE(run_command(cli + (t.path / "out").string() + out).status == 0);
}
