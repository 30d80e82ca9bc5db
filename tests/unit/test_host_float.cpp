// Float host operators on hand-worked values (broadcasting, reductions, softmax, transpose).
#include <catch2/catch.hpp>
#include <cmath>

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
