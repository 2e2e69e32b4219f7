#include "garden/http_request.hpp"

#include <strings.h>

namespace dmc::garden {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+' && plus_is_space) {
      out += ' ';
    } else if (c != '%') {
      out += c;
    } else {
      int high = i + 2 < text.size() ? hex_value(text[i + 1]) : -1;
      int low = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
      if (high < 0 || low < 0) {
        return make_error(ErrorKind::Invalid, "bad percent escape in '{}'", text);
      }
      out += static_cast<char>(high * 16 + low);
      i += 2;
    }
  }
  return out;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t at = text.find(separator); at != std::string_view::npos;
       at = text.find(separator, start)) {
    parts.push_back(text.substr(start, at - start));
    start = at + 1;
  }
  parts.push_back(text.substr(start));
  return parts;
}

// "/a/b?q" of "http://host/a/b?q"; the target itself when it starts with '/'.
Result<std::string_view> origin_form(std::string_view target) {
  if (target.starts_with('/')) return target;
  auto scheme = target.find("://");
  if (scheme == std::string_view::npos) {
    return make_error(ErrorKind::Invalid, "request target '{}' is not a path", target);
  }
  auto path = target.find('/', scheme + 3);
  if (path == std::string_view::npos) return std::string_view("/");
  return target.substr(path);
}

Result<void> decode_query(std::string_view query, Request& request) {
  for (auto pair : split(query, '&')) {
    if (pair.empty()) continue;
    auto equals = pair.find('=');
    DMC_TRY(key, form_decode(pair.substr(0, equals)));
    std::string value;
    if (equals != std::string_view::npos) {
      DMC_TRY(decoded, form_decode(pair.substr(equals + 1)));
      value = std::move(decoded);
    }
    request.query.emplace_back(std::move(key), std::move(value));
  }
  return {};
}

}  // namespace

Result<std::string> percent_decode(std::string_view text) { return decode(text, false); }

Result<std::string> form_decode(std::string_view text) { return decode(text, true); }

Result<void> decode_target(Request& request) {
  DMC_TRY(target, origin_form(request.target));
  target = target.substr(0, target.find('#'));
  auto question = target.find('?');
  std::string_view path = target.substr(0, question);
  request.segments.clear();
  request.query.clear();
  for (auto segment : split(path.substr(1), '/')) {
    DMC_TRY(decoded, percent_decode(segment));
    request.segments.push_back(std::move(decoded));
  }
  if (question == std::string_view::npos) return {};
  return decode_query(target.substr(question + 1), request);
}

std::optional<std::string> Request::param(std::string_view key) const {
  for (const auto& [k, v] : query) {
    if (k == key) return v;
  }
  return std::nullopt;
}

std::optional<std::string> Request::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && ::strncasecmp(k.data(), name.data(), k.size()) == 0) {
      return v;
    }
  }
  return std::nullopt;
}

}  // namespace dmc::garden
