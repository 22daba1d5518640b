#include "file_sink.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

namespace sluice_example::file {

namespace fs = std::filesystem;
using namespace sluice;

namespace {

// Lines are written to the file in pieces of about this size, so the writer's buffer stays small
// whatever arrives at once.
constexpr std::size_t kWriteChunk = 1 << 20;

std::string errno_text(int err) { return std::strerror(err); }

}  // namespace

OptionTable file_options() {
  OptionTable t;
  t.add("path", OptionType::string,
        "File to append NDJSON lines to; its folder must exist. Rotated files are PATH.1 (newest) to PATH.N")
      .required()
      .example("/var/lib/sluice/clicks.ndjson");
  t.add("max_bytes", OptionType::bytes,
        "A file is rotated before a line would take it past this size; an event whose line alone is longer is "
        "rejected (to the dead-letter sink)")
      .default_to("64MiB")
      .at_least(1024)
      .example("1GiB");
  t.add("max_files", OptionType::integer, "Rotated files kept besides PATH; the oldest is deleted")
      .default_to("5")
      .at_least(1)
      .at_most(1000)
      .example("10");
  return t;
}

void FileSink::validate(const Options& options, ValidationContext& check) {
  const fs::path path = options.get_string("path");
  if (path.empty() || path.filename().empty()) {
    check.error("path", "must name a file, got '" + path.string() + "'");
    return;
  }
  std::error_code ec;
  const fs::path folder = path.has_parent_path() ? path.parent_path() : fs::path(".");
  if (!fs::is_directory(folder, ec)) check.error("path", "folder '" + folder.string() + "' does not exist");
  if (fs::is_directory(path, ec)) check.error("path", "'" + path.string() + "' is a folder, not a file");
  // Two sinks on one file would rotate it under each other: one renames PATH while the other still
  // appends to it, and deletes rotated files the other's acknowledged lines are in. One writer per
  // file, then, across every pipeline (the same file however it is spelt: ./a, a, dir/../a).
  check.claim("file " + fs::weakly_canonical(fs::absolute(path, ec), ec).string(), "path",
              "another file sink writes to this file; each file has one writer (its rotation is that sink's)");
}

FileSink::FileSink(const Options& options, Context& context)
    : path_(options.get_string("path")),
      max_bytes_(static_cast<std::uint64_t>(options.get_int("max_bytes"))),
      max_files_(static_cast<int>(options.get_int("max_files"))),
      context_(context) {
  // Opened here so that a file that cannot be opened stops `sluice run` before anything starts.
  if (const std::string error = open_file(); !error.empty()) throw ConfigError("path", error);
}

FileSink::~FileSink() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (writer_.joinable()) writer_.join();
  // Batches still queued are failed by their Deliveries' destructors.
  if (fd_ >= 0) ::close(fd_);
}

void FileSink::start() {
  writer_ = std::thread([this] { run(); });
}

std::string FileSink::ndjson_line(const Event& event) {
  const std::string_view payload = event.payload();
  std::string line;
  try {
    (void)event.json_type();  // checks the text without building a DOM; throws when it is not JSON
    if (payload.find_first_of("\r\n") == std::string_view::npos) {
      line = payload;
    } else {
      line = event.json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
  } catch (const EventError&) {
    line = nlohmann::json(std::string(payload)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  line += '\n';
  return line;
}

void FileSink::write(std::shared_ptr<const Batch> batch, Delivery done) {
  Job job{{}, std::move(done)};
  job.lines.reserve(batch->size());
  for (std::size_t i = 0; i < batch->size(); ++i) {
    std::string line = ndjson_line((*batch)[i]);
    if (line.size() > max_bytes_) {
      job.done.reject_event(i, "its NDJSON line is " + std::to_string(line.size()) + " bytes, more than max_bytes (" +
                                   std::to_string(max_bytes_) + "): it can never fit in one file");
      line.clear();
    }
    job.lines.push_back(std::move(line));
  }
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(job));
  }
  wake_.notify_one();
}

void FileSink::flush(Deadline deadline) {
  std::unique_lock lock(mutex_);
  idle_.wait_until(lock, deadline, [&] { return queue_.empty() && !writing_; });
}

bool FileSink::ready(std::string& why) const {
  std::lock_guard lock(mutex_);
  if (last_error_.empty()) return true;
  why = last_error_;
  return false;
}

void FileSink::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, nothing left
    std::vector<Job> jobs;
    while (!queue_.empty()) {
      jobs.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    writing_ = true;
    lock.unlock();
    write_round(jobs);  // answers every job
    lock.lock();
    writing_ = false;
    idle_.notify_all();
  }
}

void FileSink::write_round(std::vector<Job>& jobs) {
  struct Placed {
    std::size_t job, event;
  };
  std::vector<Placed> appended;  // in file order; the first `durable` of them are on disk
  std::size_t durable = 0;
  std::string buffer, error;
  if (fd_ < 0) error = open_file();  // a rotation failed in an earlier round
  const auto commit = [&] {
    error = write_out(buffer);
    if (error.empty()) error = sync();
    if (error.empty()) durable = appended.size();
    return error.empty();
  };
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    for (std::size_t i = 0; i < jobs[j].lines.size(); ++i) {
      const std::string& line = jobs[j].lines[i];
      if (line.empty()) continue;  // rejected in write()
      if (!error.empty()) {
        jobs[j].done.fail_event(i, error);
        continue;
      }
      if (size_ + buffer.size() + line.size() > max_bytes_ && size_ + buffer.size() > 0) {
        if (commit()) error = rotate();
        if (!error.empty()) {
          jobs[j].done.fail_event(i, error);
          continue;
        }
      }
      buffer += line;
      appended.push_back({j, i});
      if (buffer.size() >= kWriteChunk) error = write_out(buffer);
    }
  }
  if (error.empty()) commit();
  if (!error.empty()) {
    // What fsync did not confirm may be in the file in part: cut it off, so that the events failed
    // here and sent again later leave no half line and no copy behind.
    if (fd_ >= 0 && ::ftruncate(fd_, static_cast<off_t>(synced_size_)) == 0) size_ = synced_size_;
    for (std::size_t k = durable; k < appended.size(); ++k)
      jobs[appended[k].job].done.fail_event(appended[k].event, error);
    context_.log.warn(error);
  }
  {
    std::lock_guard lock(mutex_);
    if (error.empty() && !last_error_.empty()) context_.log.info("writing to ", path_, " works again");
    last_error_ = error;
  }
  for (auto& job : jobs) job.done.complete();  // every event not failed above is on disk
}

std::string FileSink::open_file() {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) return "cannot open " + path_ + " for appending: " + errno_text(errno);
  // On any failure below the file is closed again, so the next round opens it afresh and syncs
  // the folder then: lines must not be acknowledged into a file whose name may not survive a crash.
  const auto failed = [&](const std::string& what) {
    const int err = errno;
    ::close(fd_);
    fd_ = -1;
    return what + ": " + errno_text(err);
  };
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return failed("cannot read the size of " + path_);
  size_ = synced_size_ = static_cast<std::uint64_t>(st.st_size);
  // The new file's name (and a rotation's renames) must survive a crash too: sync the folder.
  const fs::path folder = fs::path(path_).has_parent_path() ? fs::path(path_).parent_path() : fs::path(".");
  const int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return failed("cannot open folder " + folder.string() + " to sync it");
  const int rc = ::fsync(dir);
  const int err = errno;
  ::close(dir);
  errno = err;
  if (rc != 0) return failed("cannot sync folder " + folder.string());
  return {};
}

std::string FileSink::write_out(std::string& buffer) {
  std::size_t done = 0;
  while (done < buffer.size()) {
    const ssize_t n = ::write(fd_, buffer.data() + done, buffer.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : EIO;
      buffer.erase(0, done);
      return "cannot write to " + path_ + ": " + errno_text(err);
    }
    done += static_cast<std::size_t>(n);
    size_ += static_cast<std::uint64_t>(n);
  }
  buffer.clear();
  return {};
}

std::string FileSink::sync() {
  if (::fsync(fd_) != 0) return "cannot sync " + path_ + " to disk: " + errno_text(errno);
  synced_size_ = size_;
  return {};
}

std::string FileSink::rotate() {
  ::close(fd_);
  fd_ = -1;
  const auto numbered = [&](int n) { return path_ + "." + std::to_string(n); };
  std::error_code ec;
  fs::remove(numbered(max_files_), ec);
  if (ec) return "cannot delete " + numbered(max_files_) + " to rotate " + path_ + ": " + ec.message();
  for (int n = max_files_ - 1; n >= 0; --n) {
    const std::string from = n == 0 ? path_ : numbered(n);
    if (::rename(from.c_str(), numbered(n + 1).c_str()) != 0 && errno != ENOENT) {
      return "cannot rename " + from + " to " + numbered(n + 1) + " to rotate it: " + errno_text(errno);
    }
  }
  return open_file();
}

}  // namespace sluice_example::file
