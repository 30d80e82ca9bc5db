// `systole sweep` and `systole report` end to end on the shipped digits models: a sweep, its resumption, two shards
// run at once with GNU parallel whose merge equals the whole sweep, worker processes, the SystemC level against
// `systole run`, and the report rendered by headless Chromium (a screenshot that is not blank, the SVG drawn).
#include <stdlib.h>
#include <zlib.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "support/command.hpp"
#include "systole/tensor.hpp"

using Catch::Contains;
namespace fs = std::filesystem;

namespace {

using systole::test::run_command;

const std::string kCli = SYSTOLE_CLI;
const std::string kDigits = std::string(SYSTOLE_SOURCE_DIR) + "/models/digits/";

// A scratch folder, removed with its contents.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string t = (fs::temp_directory_path() / "systole_explore_XXXXXX").string();
    REQUIRE(::mkdtemp(t.data()));
    path = t;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write(const fs::path& p, const std::string& text) {
  std::ofstream(p) << text;
}

// Every file under `dir`/records (relative path -> bytes).
std::map<std::string, std::string> records(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir / "records")) {
    if (e.is_regular_file()) out[fs::relative(e.path(), dir).string()] = read(e.path());
  }
  return out;
}

// 2 networks x (3 x 2 x 2 = 12 points, 4 of them rows = 3, which the schema rejects).
std::string spec_text(const std::string& level) {
  return "networks = [\"" + kDigits + "digits_cnn_qdq.onnx\", \"" + kDigits +
         "digits_mlp_qdq.onnx\"]\nbase = \"default\"\nlevel = \"" + level +
         "\"\n[axes]\n\"array.rows\" = [3, 8, 16]\n\"array.cols\" = [8, 16]\n\"dram.bytes_per_cycle\" = [16, 64]\n";
}

// The PNG's pixels as RGB (8-bit RGB or RGBA, not interlaced: what Chromium writes).
struct Image {
  std::uint32_t width = 0, height = 0;
  std::vector<std::uint8_t> rgb;
};

std::uint32_t be32(const std::string& s, std::size_t at) {
  const auto b = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + i])); };
  return b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
}

Image decode_png(const std::string& png) {
  REQUIRE(png.size() > 33);
  REQUIRE(png.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0);
  Image img;
  img.width = be32(png, 16);
  img.height = be32(png, 20);
  const int depth = png[24], color = png[25];
  REQUIRE(depth == 8);
  REQUIRE((color == 2 || color == 6));
  REQUIRE(png[28] == 0);  // not interlaced
  const std::size_t bpp = color == 6 ? 4 : 3;
  std::string idat;
  for (std::size_t at = 8; at + 12 <= png.size();) {
    const std::uint32_t len = be32(png, at);
    if (png.compare(at + 4, 4, "IDAT") == 0) idat += png.substr(at + 8, len);
    at += 12 + len;
  }
  const std::size_t stride = img.width * bpp;
  std::vector<std::uint8_t> raw(img.height * (stride + 1));
  uLongf size = raw.size();
  REQUIRE(uncompress(raw.data(), &size, reinterpret_cast<const Bytef*>(idat.data()), idat.size()) == Z_OK);
  REQUIRE(size == raw.size());
  std::vector<std::uint8_t> cur(stride), prev(stride, 0);
  img.rgb.reserve(std::size_t{img.width} * img.height * 3);
  for (std::uint32_t y = 0; y < img.height; ++y) {
    const std::uint8_t filter = raw[y * (stride + 1)];
    const std::uint8_t* in = &raw[y * (stride + 1) + 1];
    for (std::size_t i = 0; i < stride; ++i) {
      const int a = i >= bpp ? cur[i - bpp] : 0, b = prev[i], c = i >= bpp ? prev[i - bpp] : 0;
      int pred = 0;
      switch (filter) {
        case 0: pred = 0; break;
        case 1: pred = a; break;
        case 2: pred = b; break;
        case 3: pred = (a + b) / 2; break;
        case 4: {
          const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
          pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default: FAIL("PNG filter type " << int(filter));
      }
      cur[i] = static_cast<std::uint8_t>(in[i] + pred);
    }
    for (std::size_t x = 0; x < img.width; ++x) img.rgb.insert(img.rgb.end(), &cur[x * bpp], &cur[x * bpp] + 3);
    std::swap(cur, prev);
  }
  return img;
}

}  // namespace

TEST_CASE("sweep: a record per network and point, skipped points with the reason, resumable", "[e2e]") {
  TempDir t;
  write(t.path / "spec.toml", spec_text("estimate"));
  const fs::path out = t.path / "whole";
  const auto o = run_command(kCli + " sweep " + (t.path / "spec.toml").string() + " -o " + out.string());
  INFO(o.output);
  REQUIRE(o.status == 0);
  CHECK_THAT(
      o.output,
      Contains("holds 12 of 12 points (4 skipped: the schema or the level rejects them); 16 network-points computed"));
  const auto recs = records(out);
  CHECK(recs.size() == 16);
  const auto skipped = std::distance(fs::directory_iterator(out / "skipped"), fs::directory_iterator());
  CHECK(skipped == 4);
  const auto j = nlohmann::json::parse(recs.begin()->second);
  CHECK(j["counters"]["cycles"].get<std::uint64_t>() > 0);
  CHECK(j["layers"].size() > 0);

  // Again: nothing to do. Without one record: that record only, the same bytes.
  CHECK_THAT(run_command(kCli + " sweep " + (t.path / "spec.toml").string() + " -o " + out.string()).output,
             Contains("0 network-points computed") && Contains("16 already there"));
  const std::string gone = recs.begin()->first;
  fs::remove(out / gone);
  CHECK_THAT(run_command(kCli + " sweep " + (t.path / "spec.toml").string() + " -o " + out.string()).output,
             Contains("1 network-points computed"));
  CHECK(records(out) == recs);
}

TEST_CASE("sweep: two shards at once (GNU parallel) and worker processes give the whole sweep's records", "[e2e]") {
  TempDir t;
  const std::string spec = (t.path / "spec.toml").string();
  write(spec, spec_text("estimate"));
  REQUIRE(run_command(kCli + " sweep " + spec + " -o " + (t.path / "whole").string()).status == 0);
  const auto o = run_command("parallel --will-cite -j2 --halt now,fail=1 " + kCli + " sweep " + spec + " -o " +
                             (t.path / "shard").string() + "{} --shard {}/2 ::: 1 2");
  INFO(o.output);
  REQUIRE(o.status == 0);
  auto merged = records(t.path / "shard1");
  const auto second = records(t.path / "shard2");
  CHECK(!merged.empty());
  CHECK(!second.empty());
  for (const auto& [path, bytes] : second) CHECK(merged.emplace(path, bytes).second);  // disjoint
  CHECK(merged == records(t.path / "whole"));
  REQUIRE(run_command(kCli + " sweep " + spec + " -o " + (t.path / "jobs").string() + " --jobs 2").status == 0);
  CHECK(records(t.path / "jobs") == records(t.path / "whole"));

  // The report of the two shards is the report of the whole sweep.
  const auto a = run_command(kCli + " report " + (t.path / "shard1").string() + " " + (t.path / "shard2").string() +
                             " -o " + (t.path / "a.html").string() + " --csv " + (t.path / "a.csv").string());
  INFO(a.output);
  REQUIRE(a.status == 0);
  REQUIRE(run_command(kCli + " report " + (t.path / "whole").string() + " -o " + (t.path / "b.html").string() +
                      " --csv " + (t.path / "b.csv").string())
              .status == 0);
  CHECK(read(t.path / "a.csv") == read(t.path / "b.csv"));
  CHECK(read(t.path / "a.html") == read(t.path / "b.html"));
}

TEST_CASE("tools/slurm/sweep.sbatch: array task K of N runs shard K/N into its own folder", "[e2e]") {
  TempDir t;
  const std::string spec = (t.path / "spec.toml").string();
  write(spec, spec_text("estimate"));
  REQUIRE(run_command(kCli + " sweep " + spec + " -o " + (t.path / "whole").string()).status == 0);
  const std::string script = std::string(SYSTOLE_SOURCE_DIR) + "/tools/slurm/sweep.sbatch";
  std::map<std::string, std::string> merged;
  for (int k = 1; k <= 3; ++k) {
    const auto o = run_command("SYSTOLE=" + kCli + " SLURM_ARRAY_TASK_ID=" + std::to_string(k) +
                               " SLURM_ARRAY_TASK_COUNT=3 SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_MAX=3 " + script +
                               " " + spec + " " + (t.path / "array").string());
    INFO(o.output);
    REQUIRE(o.status == 0);
    CHECK_THAT(o.output, Contains("shard " + std::to_string(k) + "/3"));
    for (const auto& [path, bytes] : records(t.path / "array" / ("shard-" + std::to_string(k)))) merged[path] = bytes;
  }
  CHECK(merged == records(t.path / "whole"));
  // Array indices that are not 1..N would drop or repeat shards.
  const auto bad = run_command("SYSTOLE=" + kCli +
                               " SLURM_ARRAY_TASK_ID=2 SLURM_ARRAY_TASK_COUNT=2 SLURM_ARRAY_TASK_MIN=2 "
                               "SLURM_ARRAY_TASK_MAX=3 " +
                               script + " " + spec + " " + (t.path / "bad").string());
  CHECK(bad.status == 2);
  CHECK_THAT(bad.output, Contains("use --array=1-N"));
}

TEST_CASE("sweep at the systemc level: the cycles and stalls of `systole run`", "[e2e]") {
  TempDir t;
  write(t.path / "spec.toml", "networks = [\"" + kDigits +
                                  "digits_cnn_qdq.onnx\"]\nlevel = \"systemc\"\n[axes]\n"
                                  "\"dram.bytes_per_cycle\" = [8, 64]\n");
  const fs::path out = t.path / "sc";
  const auto o = run_command(kCli + " sweep " + (t.path / "spec.toml").string() + " -o " + out.string());
  INFO(o.output);
  REQUIRE(o.status == 0);
  const auto recs = records(out);
  REQUIRE(recs.size() == 2);
  systole::write_npy(t.path / "x.npy", systole::Tensor(systole::DType::kFloat32, {1, 1, 8, 8}));
  std::set<std::uint64_t> cycles;
  for (const auto& [path, bytes] : recs) {
    const auto j = nlohmann::json::parse(bytes);
    const std::string point = j["point"];
    CHECK(j["counters"].contains("compute.stall.token_cycles"));
    const std::string prog = (t.path / (point + ".sys")).string();
    REQUIRE(run_command(kCli + " compile " + kDigits + "digits_cnn_qdq.onnx --arch " +
                        (out / "points" / (point + ".toml")).string() + " -o " + prog)
                .status == 0);
    const auto run = run_command(
        kCli + " run " + prog + " --backend systemc --arch " + (out / "points" / (point + ".toml")).string() +
        " --input input=" + (t.path / "x.npy").string() + " --stats " + (t.path / "s.json").string());
    INFO(run.output);
    REQUIRE(run.status == 0);
    const auto stats = nlohmann::json::parse(read(t.path / "s.json"));
    CHECK(j["counters"]["cycles"] == stats["counters"]["cycles"]);
    CHECK(j["counters"]["load.stall.dram_cycles"] == stats["counters"]["load.stall.dram_cycles"]);
    cycles.insert(j["counters"]["cycles"].get<std::uint64_t>());
  }
  CHECK(cycles.size() == 2);  // the DRAM width matters
}

TEST_CASE("sweep with a baseline: one record per network, drawn on the report's latency axes", "[e2e]") {
  TempDir t;
  write(t.path / "spec.toml", "networks = [\"" + kDigits +
                                  "digits_mlp_qdq.onnx\"]\nbaselines = [\"cpu\"]\nbench_repeat = 3\n"
                                  "bench_threads = 1\n[axes]\n\"array.rows\" = [8, 16]\n");
  const fs::path out = t.path / "b";
  const auto o = run_command(kCli + " sweep " + (t.path / "spec.toml").string() + " -o " + out.string());
  INFO(o.output);
  REQUIRE(o.status == 0);
  CHECK_THAT(o.output, Contains("1 baseline records"));
  const auto b = nlohmann::json::parse(read(out / "baselines" / "digits_mlp_qdq.cpu.json"));
  CHECK(b["threads"] == 1);
  CHECK(b["median_ms"].get<double>() > 0);
  // A rerun keeps the record rather than timing the baseline again.
  CHECK_THAT(run_command(kCli + " sweep " + (t.path / "spec.toml").string() + " -o " + out.string()).output,
             Contains("0 baseline records"));
  REQUIRE(run_command(kCli + " report " + out.string() + " -o " + (t.path / "r.html").string()).status == 0);
  const std::string page = read(t.path / "r.html");
  CHECK(page.find("class=\"baseline\"") != std::string::npos);
  CHECK_THAT(page, Contains("cpu "));
}

TEST_CASE("sweep at the rtl level: points without a Verilated model are skipped with the reason", "[e2e]") {
  TempDir t;
  write(t.path / "spec.toml", "networks = [\"" + kDigits +
                                  "digits_mlp_qdq.onnx\"]\nbase = \"tiny\"\nlevel = \"rtl\"\n[axes]\n"
                                  "\"array.rows\" = [4, 8]\n");
  const fs::path out = t.path / "rtl";
  const auto o = run_command(kCli + " sweep " + (t.path / "spec.toml").string() + " -o " + out.string());
  INFO(o.output);
  REQUIRE(o.status == 0);
  CHECK_THAT(o.output, Contains("holds 2 of 2 points (1 skipped"));
  const auto recs = records(out);
  REQUIRE(recs.size() == 1);
  CHECK(nlohmann::json::parse(recs.begin()->second)["counters"]["cycles"].get<std::uint64_t>() > 0);
  const auto skipped = fs::directory_iterator(out / "skipped")->path();
  CHECK_THAT(read(skipped), Contains("has no verilated model"));
}

TEST_CASE("report: headless Chromium draws the plots", "[e2e]") {
  TempDir t;
  write(t.path / "spec.toml", spec_text("estimate"));
  REQUIRE(run_command(kCli + " sweep " + (t.path / "spec.toml").string() + " -o " + (t.path / "s").string()).status ==
          0);
  const fs::path html = t.path / "report.html";
  const auto r = run_command(kCli + " report " + (t.path / "s").string() + " -o " + html.string());
  INFO(r.output);
  REQUIRE(r.status == 0);
  const std::string page = read(html);
  CHECK(page.find("<script") == std::string::npos);  // self-contained: no script, nothing fetched
  CHECK(page.find("http://") == page.find("http://www.w3.org/2000/svg"));
  CHECK(page.find("https://") == std::string::npos);

  const std::string chromium = "HOME=" + t.path.string() + " chromium --headless --no-sandbox --disable-gpu " +
                               "--hide-scrollbars --user-data-dir=" + (t.path / "profile").string() +
                               " --window-size=1200,900 ";
  const auto shot =
      run_command(chromium + "--screenshot=" + (t.path / "shot.png").string() + " file://" + html.string());
  INFO(shot.output);
  REQUIRE(fs::exists(t.path / "shot.png"));
  const Image img = decode_png(read(t.path / "shot.png"));
  CHECK(img.width == 1200);
  // Not blank: a fair share of non-white pixels, and the Pareto front's red (#d62728) drawn.
  std::size_t ink = 0, red = 0;
  for (std::size_t i = 0; i + 2 < img.rgb.size(); i += 3) {
    const int r8 = img.rgb[i], g8 = img.rgb[i + 1], b8 = img.rgb[i + 2];
    ink += r8 + g8 + b8 < 600;
    red += std::abs(r8 - 0xd6) < 24 && std::abs(g8 - 0x27) < 24 && std::abs(b8 - 0x28) < 24;
  }
  CHECK(ink > img.rgb.size() / 3 / 50);
  CHECK(red > 50);

  // The DOM Chromium built holds the plots' SVG elements.
  const auto dom = run_command(chromium + "--dump-dom file://" + html.string());
  REQUIRE(dom.status == 0);
  const auto count = [&](const std::string& what) {
    std::size_t n = 0;
    for (auto at = dom.output.find(what); at != std::string::npos; at = dom.output.find(what, at + 1)) ++n;
    return n;
  };
  CHECK(count("<svg") == 4);  // 2 networks x (latency against area, latency against energy)
  CHECK(count("<polyline") >= 2);
  CHECK(count("<circle") >= 2 * 2 * 8);
}
