// The rows of a result set, read one at a time as strings.
#pragma once

#include <cstddef>
#include <functional>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

namespace connguard {

// One value per column; SQL NULL is nullopt.
using Row = std::vector<std::optional<std::string>>;

// A single-pass cursor, positioned on the first row once made. Read it
// either way, or both: `for (const Row& row : rows)` from the current row on,
// or CLP's MySQLDB::Iterator calls (contains_element, get_field_as_string,
// get_next). Move-only. It reads through the connection or statement that
// produced it, so it must not outlive them.
class Rows {
public:
    class iterator {
    public:
        using iterator_category = std::input_iterator_tag;
        using value_type = Row;
        using difference_type = std::ptrdiff_t;
        using pointer = const Row*;
        using reference = const Row&;

        iterator() = default;
        reference operator*() const { return rows_->row_; }
        pointer operator->() const { return &rows_->row_; }
        iterator& operator++();
        bool operator==(const iterator& other) const { return rows_ == other.rows_; }
        bool operator!=(const iterator& other) const { return rows_ != other.rows_; }

    private:
        friend class Rows;
        explicit iterator(Rows* rows) : rows_(rows) {}

        Rows* rows_ = nullptr;  // nullptr = end
    };

    // Fills its argument with the next row; false after the last one. Throws
    // QueryError when reading fails.
    using Fetch = std::function<bool(Row&)>;

    Rows() = default;  // no result set: no columns, no rows
    // Reads the first row, so it throws what `fetch` throws.
    Rows(std::vector<std::string> columns, Fetch fetch);
    Rows(Rows&&) noexcept = default;
    Rows& operator=(Rows&&) noexcept = default;
    Rows(const Rows&) = delete;
    Rows& operator=(const Rows&) = delete;

    // Whether the cursor is on a row (false once past the last).
    bool contains_element() const noexcept { return has_row_; }
    // Moves to the next row; nothing past the last. Throws QueryError when
    // reading fails, and is then past the last row.
    void get_next();
    // Copies field `index` of the current row into `value`, "" for NULL.
    // Throws UsageError past the last row or for an index out of range.
    void get_field_as_string(std::size_t index, std::string& value) const;

    iterator begin() { return iterator(has_row_ ? this : nullptr); }
    iterator end() { return iterator(); }
    const std::vector<std::string>& columns() const noexcept { return columns_; }

private:
    std::vector<std::string> columns_;
    Fetch fetch_;
    Row row_;
    bool has_row_ = false;
};

}  // namespace connguard
