#pragma once
// `file` sink (an example plugin, built only against the installed SDK): appends each event as one
// line of NDJSON to a file, rotates the file by size, and acknowledges an event only once fsync()
// says it is on disk.
//
// Writing and fsync() block, and Sink::write must not (it may run on an I/O thread), so write()
// only queues the batch for the sink's own writer thread. That queue needs no bound of its own: the
// engine lets a sink hold at most `sink_max_in_flight` batches. The writer takes every queued batch
// at once and makes them durable with one fsync (a group commit), then answers each.
//
// Rotation: before a line would take the file past `max_bytes`, the file is synced and renamed to
// PATH.1 (PATH.1 to PATH.2, and so on; the file past `max_files` is deleted), and a new PATH begins.
// So the disk holds at most about max_bytes * (max_files + 1). A line that alone is longer than
// `max_bytes` can never fit: that event is rejected (to the dead-letter sink), the rest go on.
// Lines never straddle two files. On a failed write or fsync, what fsync did not confirm is cut off
// the file again (so a retry leaves no half line) and those events fail with the reason
// ("cannot write to PATH: No space left on device"); the source may send them again.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "sluice/sdk.hpp"

namespace sluice_example::file {

sluice::OptionTable file_options();

class FileSink final : public sluice::Sink {
 public:
  // The check step: the file's folder exists and the path is not a folder.
  static void validate(const sluice::Options& options, sluice::ValidationContext& check);
  FileSink(const sluice::Options& options, sluice::Context& context);
  ~FileSink() override;

  void start() override;
  void write(std::shared_ptr<const sluice::Batch> batch, sluice::Delivery done) override;
  void flush(sluice::Deadline deadline) override;
  bool ready(std::string& why) const override;

  // One event as one NDJSON line, newline included: the payload itself when it is one line of
  // JSON; otherwise the JSON re-serialised on one line, or a payload that is not JSON as a JSON
  // string (bytes that are not UTF-8 replaced by U+FFFD).
  static std::string ndjson_line(const sluice::Event& event);

 private:
  // One batch as its lines, made in write() (an event's JSON may be read only there: other sinks
  // read the same events, on the same thread, one after another). An empty line marks an event
  // already rejected.
  struct Job {
    std::vector<std::string> lines;
    sluice::Delivery done;
  };

  void run();
  void write_round(std::vector<Job>& jobs);
  // Each returns an empty string on success, else what failed, in words.
  std::string open_file();
  std::string write_out(std::string& buffer);
  std::string sync();
  std::string rotate();

  const std::string path_;
  const std::uint64_t max_bytes_;
  const int max_files_;
  sluice::Context& context_;

  // Writer thread only.
  int fd_ = -1;
  std::uint64_t size_ = 0;         // bytes in the current file
  std::uint64_t synced_size_ = 0;  // of which fsync() confirmed

  mutable std::mutex mutex_;
  std::condition_variable wake_;  // the writer: work or stop
  std::condition_variable idle_;  // flush(): nothing queued or being written
  std::deque<Job> queue_;
  bool writing_ = false;
  bool stopping_ = false;
  std::string last_error_;  // the latest round's failure; empty once a round succeeds
  std::thread writer_;
};

}  // namespace sluice_example::file
