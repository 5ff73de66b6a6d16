#include "kernels/api/expr.h"

#include "common/types.h"

namespace trnsim {

Expr Expr::variable(std::string name) {
  Expr e;
  e.terms_.push_back({std::move(name), 1});
  return e;
}

void Expr::throw_symbolic() const {
  throw UserError("the index '" + str() + "' is symbolic where a backend needs a number");
}

Expr Expr::operator+(const Expr& o) const {
  Expr r = *this;
  r.constant_ += o.constant_;
  for (const Term& t : o.terms_) {
    bool merged = false;
    for (Term& mine : r.terms_)
      if (mine.variable == t.variable) {
        mine.coefficient += t.coefficient;
        merged = true;
      }
    if (!merged) r.terms_.push_back(t);
  }
  std::vector<Term> kept;
  for (const Term& t : r.terms_)
    if (t.coefficient != 0) kept.push_back(t);
  r.terms_ = kept;
  return r;
}

Expr Expr::operator-(const Expr& o) const { return *this + o * -1; }

Expr Expr::operator*(int64_t k) const {
  Expr r;
  if (k == 0) return r;
  r.constant_ = constant_ * k;
  for (const Term& t : terms_) r.terms_.push_back({t.variable, t.coefficient * k});
  return r;
}

std::string Expr::str() const {
  std::string out;
  for (const Term& t : terms_) {
    if (!out.empty()) out += t.coefficient < 0 ? " - " : " + ";
    else if (t.coefficient < 0) out += "-";
    const int64_t c = t.coefficient < 0 ? -t.coefficient : t.coefficient;
    out += c == 1 ? t.variable : t.variable + " * " + std::to_string(c);
  }
  if (out.empty()) return std::to_string(constant_);
  if (constant_ > 0) out += " + " + std::to_string(constant_);
  if (constant_ < 0) out += " - " + std::to_string(-constant_);
  return out;
}

}  // namespace trnsim
