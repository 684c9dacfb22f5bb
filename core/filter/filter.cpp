#include "ovms/filter.h"

#include <vector>

#include "compile.h"
#include "lexer.h"
#include "syntax.h"

namespace ovms {

DisplayFilter::DisplayFilter(std::shared_ptr<const filter::Node> root, std::string text)
    : root_(std::move(root)), text_(std::make_shared<const std::string>(std::move(text))) {}

std::optional<DisplayFilter> DisplayFilter::compile(std::string_view text, FilterError& error) {
  error = FilterError{};
  std::vector<filter::Token> tokens;
  if (!filter::lex(text, tokens, error)) return std::nullopt;
  if (tokens.size() == 1) return DisplayFilter(filter::match_all(), std::string(text));
  auto tree = filter::parse(text, tokens, error);
  if (!tree) return std::nullopt;
  auto root = filter::compile(text, *tree, error);
  if (!root) return std::nullopt;
  return DisplayFilter(std::move(root), std::string(text));
}

bool DisplayFilter::matches(const LineRecord& record) const { return root_->eval(record); }

}  // namespace ovms
