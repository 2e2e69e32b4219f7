// Small libuv helpers shared by the transport's classes.
#pragma once

#include <uv.h>

#include <functional>
#include <string>

#include "common/result.hpp"

namespace dmc::garden {

// Queues `bytes` on `stream` (they live until written); done(status) runs on
// the loop when written, failed (status < 0) or cancelled by a close. A
// failure to queue also reports through done, later on the loop.
void write_bytes(uv_stream_t* stream, std::string bytes, std::function<void(int status)> done);

// "what: <libuv's message>" as an Internal error (Unavailable for the errors
// of a peer gone away).
Error uv_error(std::string_view what, int status);

template <class T>
uv_handle_t* as_handle(T* h) {
  return reinterpret_cast<uv_handle_t*>(h);
}
template <class T>
uv_stream_t* as_stream(T* h) {
  return reinterpret_cast<uv_stream_t*>(h);
}

}  // namespace dmc::garden
