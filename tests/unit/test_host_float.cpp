// Float host operators on hand-worked values (broadcasting, reductions, softmax, transpose), and on random shapes
// against their element-by-element definitions.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <numeric>
#include <random>

#include "runtime/host_kernels.hpp"
#include "systole/error.hpp"

using namespace systole;
using runtime::HostValue;

namespace {

HostValue f(std::vector<std::int64_t> shape, std::vector<float> v) {
  HostValue h;
  h.dtype = DType::kFloat32;
  h.shape = std::move(shape);
  h.floats = std::move(v);
  return h;
}

HostValue run(OpKind k, std::vector<const HostValue*> in, std::map<std::string, std::vector<std::int64_t>> ints = {}) {
  OpDesc op;
  op.kind = k;
  op.ints = std::move(ints);
  return runtime::run_host_op(op, in, {DType::kFloat32, 1.0f, 0, {}});
}

}  // namespace

TEST_CASE("float binary operators broadcast like numpy", "[unit]") {
  const HostValue a = f({2, 3}, {1, 2, 3, 4, 5, 6}), b = f({3}, {10, 20, 30}), c = f({2, 1}, {2, 4});
  CHECK(run(OpKind::kFloatAdd, {&a, &b}).floats == std::vector<float>{11, 22, 33, 14, 25, 36});
  CHECK(run(OpKind::kFloatSub, {&a, &c}).floats == std::vector<float>{-1, 0, 1, 0, 1, 2});
  CHECK(run(OpKind::kFloatMul, {&c, &b}).shape == std::vector<std::int64_t>{2, 3});
  CHECK(run(OpKind::kFloatMul, {&c, &b}).floats == std::vector<float>{20, 40, 60, 40, 80, 120});
  CHECK(run(OpKind::kFloatDiv, {&a, &c}).floats == std::vector<float>{0.5f, 1, 1.5f, 1, 1.25f, 1.5f});
  const HostValue two = f({}, {2});
  CHECK(run(OpKind::kFloatPow, {&a, &two}).floats == std::vector<float>{1, 4, 9, 16, 25, 36});
  const HostValue bad = f({4}, {0, 0, 0, 0});
  CHECK_THROWS_WITH(run(OpKind::kFloatAdd, {&a, &bad}),
                    Catch::Contains("float_add: shapes [2, 3] and [4] do not broadcast"));
}

TEST_CASE("reduce mean, softmax, sqrt, erf and transpose", "[unit]") {
  const HostValue a = f({2, 3}, {1, 2, 3, 4, 5, 6});
  const HostValue m = run(OpKind::kFloatReduceMean, {&a}, {{"axes", {-1}}, {"keepdims", {1}}});
  CHECK(m.shape == std::vector<std::int64_t>{2, 1});
  CHECK(m.floats == std::vector<float>{2, 5});
  CHECK(run(OpKind::kFloatReduceMean, {&a}, {{"axes", {0}}, {"keepdims", {0}}}).floats ==
        std::vector<float>{2.5f, 3.5f, 4.5f});
  const HostValue s = f({1, 2}, {0.0f, std::log(3.0f)});
  const HostValue sm = run(OpKind::kFloatSoftmax, {&s}, {{"axis", {-1}}});
  CHECK(sm.floats[0] == Approx(0.25f));
  CHECK(sm.floats[1] == Approx(0.75f));
  const HostValue q = f({2}, {4, 0});
  CHECK(run(OpKind::kFloatSqrt, {&q}).floats == std::vector<float>{2, 0});
  CHECK(run(OpKind::kFloatErf, {&q}).floats[1] == 0.0f);
  const HostValue t = run(OpKind::kFloatTranspose, {&a}, {{"perm", {1, 0}}});
  CHECK(t.shape == std::vector<std::int64_t>{3, 2});
  CHECK(t.floats == std::vector<float>{1, 4, 2, 5, 3, 6});
}

// The definitions, element by element: numpy broadcasting and transposition by index arithmetic, and the mean's
// double sum in index order.
TEST_CASE("float operators on random shapes equal their element-by-element definitions", "[unit]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  std::normal_distribution<float> value(0.0f, 3.0f);
  auto random_value = [&](std::vector<std::int64_t> shape) {
    std::int64_t n = 1;
    for (auto d : shape) n *= d;
    std::vector<float> v(static_cast<std::size_t>(n));
    for (float& x : v) x = value(rng);
    return f(std::move(shape), std::move(v));
  };
  auto strides = [](const std::vector<std::int64_t>& s) {
    std::vector<std::int64_t> t(s.size(), 1);
    for (std::size_t i = s.size(); i-- > 1;) t[i - 1] = t[i] * s[i];
    return t;
  };
  for (int trial = 0; trial < 200; ++trial) {
    const auto rank = static_cast<std::size_t>(pick(0, 4));
    std::vector<std::int64_t> full, sa, sb;
    for (std::size_t d = 0; d < rank; ++d) full.push_back(pick(1, 5));
    for (std::size_t d = 0; d < rank; ++d) {
      sa.push_back(pick(0, 2) == 0 ? 1 : full[d]);
      sb.push_back(pick(0, 2) == 0 ? 1 : full[d]);
    }
    if (!sb.empty() && pick(0, 1)) sb.erase(sb.begin());  // a lower rank, aligned right
    const HostValue a = random_value(sa), b = random_value(sb);
    std::vector<std::int64_t> sy(rank);
    std::vector<std::int64_t> pb(rank - sb.size(), 1);
    pb.insert(pb.end(), sb.begin(), sb.end());
    for (std::size_t d = 0; d < rank; ++d) sy[d] = std::max(sa[d], pb[d]);
    const auto ta = strides(sa), tb = strides(pb), ty = strides(sy);
    for (OpKind k : {OpKind::kFloatAdd, OpKind::kFloatSub, OpKind::kFloatMul, OpKind::kFloatDiv, OpKind::kFloatPow}) {
      INFO("op " << op_name(k) << " rank " << rank);
      const HostValue y = run(k, {&a, &b});
      REQUIRE(y.shape == sy);
      for (std::size_t i = 0; i < y.floats.size(); ++i) {
        std::int64_t ia = 0, ib = 0;
        for (std::size_t d = 0; d < rank; ++d) {
          const std::int64_t c = (static_cast<std::int64_t>(i) / ty[d]) % sy[d];
          ia += (sa[d] == 1 ? 0 : c) * ta[d];
          ib += (pb[d] == 1 ? 0 : c) * tb[d];
        }
        const float x = a.floats[static_cast<std::size_t>(ia)], z = b.floats[static_cast<std::size_t>(ib)];
        const float want = k == OpKind::kFloatAdd   ? x + z
                           : k == OpKind::kFloatSub ? x - z
                           : k == OpKind::kFloatMul ? x * z
                           : k == OpKind::kFloatDiv ? x / z
                                                    : std::pow(x, z);
        REQUIRE(std::memcmp(&y.floats[i], &want, 4) == 0);
      }
    }
    if (rank == 0) continue;
    // Transpose by a random permutation.
    std::vector<std::int64_t> perm(rank);
    std::iota(perm.begin(), perm.end(), 0);
    std::shuffle(perm.begin(), perm.end(), rng);
    const HostValue x = random_value(full);
    const HostValue t = run(OpKind::kFloatTranspose, {&x}, {{"perm", perm}});
    std::vector<std::int64_t> st;
    for (auto p : perm) st.push_back(full[static_cast<std::size_t>(p)]);
    REQUIRE(t.shape == st);
    const auto tx = strides(full), tt = strides(st);
    for (std::size_t i = 0; i < t.floats.size(); ++i) {
      std::int64_t src = 0;
      for (std::size_t d = 0; d < rank; ++d) {
        src += ((static_cast<std::int64_t>(i) / tt[d]) % st[d]) * tx[static_cast<std::size_t>(perm[d])];
      }
      REQUIRE(t.floats[i] == x.floats[static_cast<std::size_t>(src)]);
    }
    // Mean over a random set of axes (trailing ones included).
    std::vector<std::int64_t> axes;
    const std::int64_t from = pick(0, static_cast<int>(rank) - 1);
    for (std::int64_t d = 0; d < static_cast<std::int64_t>(rank); ++d) {
      if (d >= from ? pick(0, 3) > 0 : pick(0, 3) == 0) axes.push_back(d);
    }
    if (axes.empty()) axes.push_back(from);
    const HostValue m = run(OpKind::kFloatReduceMean, {&x}, {{"axes", axes}, {"keepdims", {1}}});
    std::vector<std::int64_t> kept = full;
    for (auto d : axes) kept[static_cast<std::size_t>(d)] = 1;
    const auto tk = strides(kept);
    std::vector<double> sum(m.floats.size(), 0.0);
    for (std::size_t i = 0; i < x.floats.size(); ++i) {
      std::int64_t k = 0;
      for (std::size_t d = 0; d < rank; ++d) {
        k += (kept[d] == 1 && full[d] != 1 ? 0 : (static_cast<std::int64_t>(i) / tx[d]) % full[d]) * tk[d];
      }
      sum[static_cast<std::size_t>(k)] += x.floats[i];
    }
    const double count = static_cast<double>(x.floats.size()) / static_cast<double>(sum.size());
    for (std::size_t k = 0; k < sum.size(); ++k) REQUIRE(m.floats[k] == static_cast<float>(sum[k] / count));
  }
}
