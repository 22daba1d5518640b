// The `file` sink on its own, as a plugin author tests a component: made from its option table like
// the engine makes it, given batches, answered through a Delivery. Real files in a temporary
// folder; /dev/full stands in for a full disk.

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "file_sink.hpp"

namespace sluice_example::file {
namespace {

namespace fs = std::filesystem;
using namespace sluice;

// The options the engine would give: every default of the table, then the test's values.
Options options_of(const OptionTable& table, std::map<std::string, OptionValue> values) {
  Options out;
  for (const auto& spec : table.specs()) {
    std::string expected;
    if (spec.default_text) {
      if (auto v = parse_scalar_option(spec.type, *spec.default_text, expected)) out.set(spec.name, std::move(*v));
    }
  }
  for (auto& [name, value] : values) out.set(name, std::move(value));
  return out;
}

// Collects what the sink answered, as the engine would.
class Answers : public detail::DeliveryTarget {
 public:
  struct Answer {
    std::vector<detail::EventFailure> failures;
    std::string all_failed;
  };
  void settle(std::size_t slot, std::vector<detail::EventFailure> failures, std::string all_failed) override {
    std::lock_guard lock(mutex_);
    answers_[slot] = {std::move(failures), std::move(all_failed)};
    changed_.notify_all();
  }
  // Waits (at most 10 s) for the answer to batch `slot`.
  Answer wait(std::size_t slot) {
    std::unique_lock lock(mutex_);
    const bool got = changed_.wait_for(lock, std::chrono::seconds(10), [&] { return answers_.count(slot) > 0; });
    EXPECT_TRUE(got) << "batch " << slot << " was never answered";
    return answers_[slot];
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::size_t, Answer> answers_;
};

std::shared_ptr<const Batch> batch_of(const std::vector<std::string>& payloads) {
  std::vector<Event> events;
  for (const auto& p : payloads) events.emplace_back(p);
  return std::make_shared<const Batch>(std::move(events));
}

std::string read(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class FileSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("file-sink-" + std::to_string(::getpid()) + "-" +
                                             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    context_.log = Logger("file-sink-test");
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<FileSink> make(std::map<std::string, OptionValue> values) {
    auto sink = std::make_unique<FileSink>(options_of(file_options(), std::move(values)), context_);
    sink->start();
    return sink;
  }
  // Writes one batch as batch number `slot` and waits for its answer.
  Answers::Answer write(FileSink& sink, std::size_t slot, const std::vector<std::string>& payloads) {
    sink.write(batch_of(payloads), Delivery(answers_, slot));
    return answers_->wait(slot);
  }

  fs::path dir_;
  Context context_;
  std::shared_ptr<Answers> answers_ = std::make_shared<Answers>();
};

TEST_F(FileSinkTest, WritesEachEventAsOneNdjsonLineBeforeItAcknowledges) {
  const fs::path path = dir_ / "out.ndjson";
  auto sink = make({{"path", path.string()}});
  const auto answer = write(*sink, 1, {R"({"n":1})", "{\n  \"n\": 2\n}", "not json", "bad \xff byte"});
  EXPECT_TRUE(answer.failures.empty());
  EXPECT_EQ(answer.all_failed, "");
  // Acknowledged: the lines are in the file now, not later.
  EXPECT_EQ(read(path), "{\"n\":1}\n{\"n\":2}\n\"not json\"\n\"bad \xEF\xBF\xBD byte\"\n");
  // Appends to what is there.
  write(*sink, 2, {R"({"n":3})"});
  EXPECT_EQ(read(path).substr(read(path).size() - 8), "{\"n\":3}\n");
}

TEST_F(FileSinkTest, RotatesBeforeAFileWouldPassMaxBytesAndLosesNoLine) {
  const fs::path path = dir_ / "out.ndjson";
  auto sink = make({{"path", path.string()}, {"max_bytes", std::int64_t{1024}}, {"max_files", std::int64_t{100}}});
  std::vector<std::string> payloads;
  for (int i = 1; i <= 200; ++i)
    payloads.push_back(R"({"seq":)" + std::to_string(i) + R"(,"pad":"0123456789012345678901234567890123456789"})");
  // In several batches, so rotation happens inside a batch and between batches.
  for (std::size_t b = 0; b < 4; ++b) {
    const std::vector<std::string> part(payloads.begin() + b * 50, payloads.begin() + (b + 1) * 50);
    EXPECT_TRUE(write(*sink, b, part).failures.empty());
  }
  // Oldest first: PATH.N ... PATH.1, then PATH.
  std::string all;
  int files = 0;
  for (int n = 100; n >= 1; --n) {
    const fs::path rotated = path.string() + "." + std::to_string(n);
    if (!fs::exists(rotated)) continue;
    ++files;
    EXPECT_LE(fs::file_size(rotated), 1024u) << rotated;
    const std::string text = read(rotated);
    EXPECT_EQ(text.back(), '\n') << rotated << " ends inside a line";
    all += text;
  }
  EXPECT_LE(fs::file_size(path), 1024u);
  all += read(path);
  EXPECT_GE(files, 10) << "200 lines of about 70 bytes need about 14 files of 1 KiB";
  std::istringstream lines(all);
  int expected = 1;
  for (std::string line; std::getline(lines, line); ++expected) {
    ASSERT_EQ(nlohmann::json::parse(line)["seq"], expected);
  }
  EXPECT_EQ(expected, 201);
}

TEST_F(FileSinkTest, KeepsAtMostMaxFilesRotatedFiles) {
  const fs::path path = dir_ / "out.ndjson";
  auto sink = make({{"path", path.string()}, {"max_bytes", std::int64_t{1024}}, {"max_files", std::int64_t{2}}});
  for (std::size_t b = 0; b < 20; ++b) {
    write(*sink, b, {R"({"pad":")" + std::string(500, 'x') + R"("})"});
  }
  EXPECT_TRUE(fs::exists(path.string() + ".1"));
  EXPECT_TRUE(fs::exists(path.string() + ".2"));
  EXPECT_FALSE(fs::exists(path.string() + ".3"));
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir_)) ++entries;
  EXPECT_EQ(entries, 3u) << "PATH, PATH.1 and PATH.2 only";
}

TEST_F(FileSinkTest, RejectsAnEventLongerThanMaxBytesAndWritesTheOthers) {
  const fs::path path = dir_ / "out.ndjson";
  auto sink = make({{"path", path.string()}, {"max_bytes", std::int64_t{1024}}});
  const auto answer = write(*sink, 1, {R"({"n":1})", R"({"big":")" + std::string(2000, 'x') + R"("})", R"({"n":3})"});
  ASSERT_EQ(answer.failures.size(), 1u);
  EXPECT_EQ(answer.failures[0].index, 1u);
  EXPECT_TRUE(answer.failures[0].permanent) << "it can never fit: a rejection, not a retry";
  EXPECT_NE(answer.failures[0].reason.find("more than max_bytes (1024)"), std::string::npos)
      << answer.failures[0].reason;
  EXPECT_EQ(read(path), "{\"n\":1}\n{\"n\":3}\n");
}

TEST_F(FileSinkTest, AFullDiskFailsEachEventWithTheReasonAndTheSinkSaysItIsNotReady) {
  const fs::path path = dir_ / "full.ndjson";
  fs::create_symlink("/dev/full", path);
  auto sink = make({{"path", path.string()}});
  const auto answer = write(*sink, 1, {R"({"n":1})", R"({"n":2})"});
  ASSERT_EQ(answer.failures.size(), 2u);
  for (const auto& f : answer.failures) {
    EXPECT_FALSE(f.permanent);
    EXPECT_EQ(f.reason, "cannot write to " + path.string() + ": No space left on device");
  }
  std::string why;
  EXPECT_FALSE(sink->ready(why));
  EXPECT_EQ(why, "cannot write to " + path.string() + ": No space left on device");
}

TEST_F(FileSinkTest, AFileThatCannotBeOpenedStopsTheStartWithItsReason) {
  const fs::path path = dir_ / "missing" / "out.ndjson";
  try {
    FileSink sink(options_of(file_options(), {{"path", path.string()}}), context_);
    FAIL() << "the sink was made";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.option(), "path");
    EXPECT_EQ(std::string(e.what()), "cannot open " + path.string() + " for appending: No such file or directory");
  }
}

class Checks : public ValidationContext {
 public:
  void error(const std::string& option, const std::string& message) override {
    errors.push_back(option + ": " + message);
  }
  // As the engine does: the first claim of a resource wins, a second is an error at its option.
  bool claim(const std::string& resource, const std::string& option, const std::string& what) override {
    if (claimed.insert(resource).second) return true;
    error(option, what);
    return false;
  }
  std::vector<std::string> errors;
  std::set<std::string> claimed;
};

TEST_F(FileSinkTest, TheCheckStepRefusesAMissingFolderAndAFolderAsPath) {
  Checks checks;
  FileSink::validate(options_of(file_options(), {{"path", (dir_ / "nope" / "x.ndjson").string()}}), checks);
  FileSink::validate(options_of(file_options(), {{"path", dir_.string()}}), checks);
  FileSink::validate(options_of(file_options(), {{"path", (dir_ / "ok.ndjson").string()}}), checks);
  ASSERT_EQ(checks.errors.size(), 2u);
  EXPECT_EQ(checks.errors[0], "path: folder '" + (dir_ / "nope").string() + "' does not exist");
  EXPECT_EQ(checks.errors[1], "path: '" + dir_.string() + "' is a folder, not a file");
}

TEST_F(FileSinkTest, TwoSinksCannotWriteOneFileHoweverItIsSpelt) {
  // Each would rotate the file under the other, and delete rotated files holding lines the other
  // had acknowledged.
  Checks checks;
  fs::create_directories(dir_ / "sub");
  FileSink::validate(options_of(file_options(), {{"path", (dir_ / "a.ndjson").string()}}), checks);
  FileSink::validate(options_of(file_options(), {{"path", (dir_ / "sub" / ".." / "a.ndjson").string()}}), checks);
  FileSink::validate(options_of(file_options(), {{"path", (dir_ / "b.ndjson").string()}}), checks);
  ASSERT_EQ(checks.errors.size(), 1u);
  EXPECT_EQ(checks.errors[0],
            "path: another file sink writes to this file; each file has one writer (its rotation is that "
            "sink's)");
}

}  // namespace
}  // namespace sluice_example::file
