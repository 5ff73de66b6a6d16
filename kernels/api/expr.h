// An affine index expression: constant + sum of coefficient x loop variable. The simulator
// backend only ever sees constants (it calls a loop body once per value); the NKI backend
// passes symbolic loop variables so that emitted code keeps its loops.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace trnsim {

class Expr {
 public:
  Expr(int64_t constant = 0) : constant_(constant) {}  // NOLINT: implicit from integers
  static Expr variable(std::string name);

  bool is_constant() const { return terms_.empty(); }
  // The constant; throws UserError for a symbolic expression.
  int64_t value() const {
    if (!is_constant()) throw_symbolic();
    return constant_;
  }
  std::string str() const;

  Expr operator+(const Expr& o) const;
  Expr operator-(const Expr& o) const;
  Expr operator*(int64_t k) const;

 private:
  [[noreturn]] void throw_symbolic() const;
  struct Term {
    std::string variable;
    int64_t coefficient;
  };
  int64_t constant_ = 0;
  std::vector<Term> terms_;
};

inline Expr operator*(int64_t k, const Expr& e) { return e * k; }

}  // namespace trnsim
