#include "connguard/rows.hpp"

#include <utility>

namespace connguard {

Rows::Rows(std::vector<std::string> columns, Fetch fetch)
    : columns_(std::move(columns)), fetch_(std::move(fetch)) {}

Rows::iterator::iterator(Rows* rows) : rows_(rows) {
    ++*this;
}

Rows::iterator& Rows::iterator::operator++() {
    if (rows_ != nullptr && !(rows_->fetch_ && rows_->fetch_(row_))) rows_ = nullptr;
    return *this;
}

}  // namespace connguard
