#include "connguard/rows.hpp"

#include <optional>
#include <string>
#include <utility>

#include "connguard/usage_error.hpp"

namespace connguard {

Rows::Rows(std::vector<std::string> columns, Fetch fetch)
    : columns_(std::move(columns)), fetch_(std::move(fetch)) {
    get_next();
}

void Rows::get_next() {
    has_row_ = false;
    if (!fetch_) return;
    try {
        has_row_ = fetch_(row_);
    } catch (...) {
        fetch_ = nullptr;  // a failed read ends the rows, as the last one does
        throw;
    }
    if (!has_row_) fetch_ = nullptr;  // frees what it holds (a result set) once read
}

void Rows::get_field_as_string(std::size_t index, std::string& value) const {
    if (!has_row_) throw UsageError("connguard::Rows: no current row (past the last)");
    if (index >= row_.size()) {
        throw UsageError("connguard::Rows: no field " + std::to_string(index) + " (the row has " +
                         std::to_string(row_.size()) + ")");
    }
    const std::optional<std::string>& field = row_[index];
    if (field) {
        value.assign(*field);
    } else {
        value.clear();
    }
}

Rows::iterator& Rows::iterator::operator++() {
    rows_->get_next();
    if (!rows_->contains_element()) rows_ = nullptr;
    return *this;
}

}  // namespace connguard
