// `sluice test`, as a user runs it: the real executable, the real plugins (and a fixture plugin of
// transforms that drop, add, throw and refuse), test files written to a temporary folder. Each
// promise of testing/test_runner.hpp: exit 0 when every test passes, 1 with a readable diff when
// one fails, 2 with file:line:column when a test file or the pipeline it names is wrong.

#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "subprocess.hpp"

namespace sluice::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The engine's plugins (beside the executable) and the fixture transforms.
Finished sluice_test(const std::vector<std::string>& paths) {
  std::vector<std::string> args = {SLUICE_TEST_BINARY, "--plugin-dir", SLUICE_TEST_TRANSFORMS_DIR, "test"};
  args.insert(args.end(), paths.begin(), paths.end());
  return run_finished(args);
}

// A folder of its own per test, so that files of one test never meet another's.
class SluiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::path(::testing::TempDir()) / (std::string("sluice-test-") + info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    write("pipeline.yaml", kPipelines);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    const auto path = dir_ / name;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
  }

  // Line 1 names the pipeline file; tests start on line 2.
  std::string test_file(const std::string& name, const std::string& tests) {
    return write(name, "pipeline_file: pipeline.yaml\ntests:\n" + tests);
  }

  static constexpr const char* kPipelines =
      "pipelines:\n"
      "  clicks:\n"
      "    source: {type: generator}\n"
      "    transforms:\n"
      "      - {type: json_validate, required: {page: string, clickNumber: number}}\n"
      "      - {type: enrich}\n"
      "    sinks: [{type: drop}]\n"
      "  shaped:\n"
      "    source: {type: generator}\n"
      "    transforms: [{type: filter}, {type: stamp}, {type: explode}]\n"
      "    sinks: [{type: drop}]\n"
      "  refused:\n"
      "    source: {type: generator}\n"
      "    transforms: [{type: refuse, level: 3}]\n"
      "    sinks: [{type: drop}]\n"
      "  unstamped:\n"
      "    source: {type: generator}\n"
      "    transforms: [{type: stamp}, {type: unstamp}]\n"
      "    sinks: [{type: drop}]\n";

  std::filesystem::path dir_;
};

// A test whose every expectation holds: exact JSON, conditions, a rejection by substring and by
// regex, metadata.
constexpr const char* kPassing =
    "  - name: clicks are enriched and bad ones rejected\n"
    "    pipeline: clicks\n"
    "    input:\n"
    "      - {json: {page: home, clickNumber: 1}, metadata: {id: abc}, received_at: 1764460800000}\n"
    "      - '{\"page\":\"docs\",\"clickNumber\":2}'\n"
    "      - {json: {page: home}}\n"
    "      - 'nope'\n"
    "    output:\n"
    "      - json: {page: home, clickNumber: 1, id: abc, receivedAt: 1764460800000}\n"
    "      - fields: {page: {equals: docs}, /id: {matches: '^[0-9a-f-]{36}$'}, receivedAt: {exists: true}}\n"
    "        metadata: {id: {exists: true}, nothing: {exists: false}}\n"
    "    rejected:\n"
    "      - {input: 2, reason: \"missing field 'clickNumber'\"}\n"
    "      - {input: 3, reason_matches: '^invalid JSON'}\n";

TEST_F(SluiceTest, PassingTestsExitZeroWithOneLinePerTest) {
  const auto file = test_file("pass.yaml", kPassing);
  const auto r = sluice_test({file});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("ok    " + file + ":3:5: clicks: clicks are enriched and bad ones rejected\n"));
  EXPECT_THAT(r.out, HasSubstr("1 passed, 0 failed\n"));
}

TEST_F(SluiceTest, AFailingTestExitsOneWithWhatDiffers) {
  const auto file = test_file("fail.yaml",
                              "  - name: wrong\n"
                              "    pipeline: clicks\n"
                              "    input:\n"
                              "      - {json: {page: home, clickNumber: 1}, metadata: {id: abc},\n"
                              "         received_at: 1764460800000}\n"
                              "      - {json: {page: home, clickNumber: 2}, metadata: {id: def}}\n"
                              "      - {json: {page: 7, clickNumber: 3}}\n"
                              "      - {json: {clickNumber: 4}}\n"
                              "    output:\n"
                              "      - json: {page: home, clickNumber: 2, id: abc, receivedAt: 1764460800000,\n"
                              "               extra: x}\n"
                              "      - fields: {id: {equals: xyz}, clickNumber: {equals: '2'}}\n"
                              "        metadata: {id: {matches: '^z'}}\n"
                              "    rejected:\n"
                              "      - {input: 1, reason: 'anything'}\n"
                              "      - {input: 3, reason: \"must be\"}\n");
  const auto r = sluice_test({file});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("FAIL  " + file + ":3:5: clicks: wrong\n"));
  // Exact JSON: one line per differing member, from nlohmann's JSON Patch.
  EXPECT_THAT(r.out, HasSubstr("output 0 (line 12, input 0): got "
                               // as written
                               "{\"page\":\"home\",\"clickNumber\":1,\"id\":\"abc\",\"receivedAt\":1764460800000}\n"));
  EXPECT_THAT(r.out, HasSubstr("    /clickNumber: expected 2, got 1\n"));
  EXPECT_THAT(r.out, HasSubstr("    /extra: expected \"x\", absent\n"));
  // Conditions: the string '2' is not the number 2.
  EXPECT_THAT(r.out, HasSubstr("    field id: expected \"xyz\", got \"def\"\n"));
  EXPECT_THAT(r.out, HasSubstr("    field clickNumber: expected \"2\", got 2\n"));
  EXPECT_THAT(r.out, HasSubstr("    metadata id: expected to match /^z/, got \"def\"\n"));
  // A rejection that did not happen says what became of the input instead.
  EXPECT_THAT(r.out, HasSubstr("rejection of input 1 (line 17): expected with a reason containing \"anything\", "
                               "but it came out as output 1\n"));
  EXPECT_THAT(r.out, HasSubstr("rejection of input 3 (line 18): expected a reason containing \"must be\", got "
                               "\"missing field 'page'\" from transforms[0] json_validate\n"));
  // A rejection the test does not expect.
  EXPECT_THAT(r.out, HasSubstr("input 2: rejected by transforms[0] json_validate (\"field 'page' must be a string, "
                               "got a number\"), not expected\n"));
  EXPECT_THAT(r.out, HasSubstr("0 passed, 1 failed\n"));
}

TEST_F(SluiceTest, EveryEventIsAccountedFor) {
  // An output more than expected, and one fewer.
  const auto more = test_file("more.yaml",
                              "  - name: more\n"
                              "    pipeline: clicks\n"
                              "    input: ['{\"page\":\"a\",\"clickNumber\":1}',\n"
                              "            '{\"page\":\"b\",\"clickNumber\":2}']\n"
                              "    output: [{fields: {page: {equals: a}}}]\n"
                              "  - name: fewer\n"
                              "    pipeline: clicks\n"
                              "    input: ['{\"page\":\"a\",\"clickNumber\":1}']\n"
                              "    output: [{fields: {page: {equals: a}}}, {json: {page: b}}]\n"
                              "  - name: no output given means none expected\n"
                              "    pipeline: clicks\n"
                              "    input: ['{\"page\":\"a\",\"clickNumber\":1}']\n");
  const auto r = sluice_test({more});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("FAIL  " + more +
                               ":3:5: clicks: more\n        output 1 (input 1): not expected, got "
                               "{\"page\":\"b\",\"clickNumber\":2,"));
  EXPECT_THAT(r.out, HasSubstr("FAIL  " + more +
                               ":8:5: clicks: fewer\n        output 1 (line 11): expected "
                               "{\"page\":\"b\"}, but only 1 event came out\n"));
  EXPECT_THAT(r.out, HasSubstr("FAIL  " + more +
                               ":12:5: clicks: no output given means none expected\n"
                               "        output 0 (input 0): not expected"));
  EXPECT_THAT(r.out, HasSubstr("0 passed, 3 failed\n"));
}

TEST_F(SluiceTest, DropsMadeEventsAndAThrowingTransform) {
  const auto file = test_file("shaped.yaml",
                              "  - name: filter and stamp\n"
                              "    pipeline: shaped\n"
                              "    input: ['{\"n\":1}', '{\"n\":2,\"drop\":true}']\n"
                              "    output: [{json: {n: 1}}, {json: {made: stamp}}, {json: {made: stamp}}]\n"
                              "    dropped: [1]\n"
                              "  - name: a transform that throws fails its batch, a failure and not a rejection\n"
                              "    pipeline: shaped\n"
                              "    transforms: [filter, explode]\n"
                              "    input: ['{\"n\":1}', '{\"explode\":1}']\n"
                              "    output: [{json: {n: 1}}]\n"
                              "    failed: [{input: 1, reason: 'transforms[2] explode failed: boom'}]\n"
                              "  - name: only the transforms named run\n"
                              "    pipeline: shaped\n"
                              "    transforms: [filter, 2]\n"
                              "    input: ['{\"n\":1}']\n"
                              "    output: [{payload: '{\"n\":1}'}]\n"
                              "  - name: an unexpected drop\n"
                              "    pipeline: shaped\n"
                              "    transforms: [filter]\n"
                              "    input: ['{\"n\":1}', '{\"drop\":true}']\n"
                              "    output: [{json: {n: 1}}]\n");
  const auto r = sluice_test({file});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  // Each input is its own batch: the stamp adds one event to each.
  EXPECT_THAT(r.out, HasSubstr("ok    " + file + ":3:5: shaped: filter and stamp\n"));
  EXPECT_THAT(r.out, HasSubstr("ok    " + file + ":8:5: shaped: a transform that throws fails its batch"));
  EXPECT_THAT(r.out, HasSubstr("ok    " + file + ":14:5: shaped: only the transforms named run\n"));
  EXPECT_THAT(r.out, HasSubstr("FAIL  " + file +
                               ":19:5: shaped: an unexpected drop\n"
                               "        input 1: dropped by transforms[0] filter, not expected\n"));
  EXPECT_THAT(r.out, HasSubstr("3 passed, 1 failed\n"));
}

TEST_F(SluiceTest, EachInputIsItsOwnBatchUnlessTheTestAsksForOne) {
  const auto file = test_file("batches.yaml",
                              "  - name: one batch fails together\n"
                              "    pipeline: shaped\n"
                              "    transforms: [explode]\n"
                              "    batch: all\n"
                              "    input: ['{\"n\":1}', '{\"explode\":1}']\n"
                              "    failed: [{input: 0, reason: boom}, {input: 1, reason_matches: 'explode failed'}]\n"
                              "  - name: a failure is not a rejection\n"
                              "    pipeline: shaped\n"
                              "    transforms: [explode]\n"
                              "    input: ['{\"explode\":1}']\n"
                              "    rejected: [{input: 0}]\n"
                              "  - name: a failure not expected\n"
                              "    pipeline: shaped\n"
                              "    transforms: [explode]\n"
                              "    batch: each\n"
                              "    input: ['{\"n\":1}', '{\"explode\":1}']\n"
                              "    output: [{json: {n: 1}}]\n");
  const auto r = sluice_test({file});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("ok    " + file + ":3:5: shaped: one batch fails together\n"));
  EXPECT_THAT(r.out, HasSubstr("FAIL  " + file +
                               ":9:5: shaped: a failure is not a rejection\n"
                               "        rejection of input 0 (line 13): expected with any reason, but it failed: "
                               "\"transforms[2] explode failed: boom\"\n"
                               "        input 0: failed in transforms[2] explode (\"transforms[2] explode failed: "
                               "boom\"), not expected\n"));
  EXPECT_THAT(r.out, HasSubstr("FAIL  " + file +
                               ":14:5: shaped: a failure not expected\n"
                               "        input 1: failed in transforms[2] explode"));
  EXPECT_THAT(r.out, HasSubstr("1 passed, 2 failed\n"));
  // 'batch' is each or all.
  const auto bad = test_file("bad-batch.yaml", "  - {name: b, pipeline: shaped, batch: some, input: ['{}']}\n");
  const auto b = sluice_test({bad});
  EXPECT_EQ(b.code, 2) << b.out << b.err;
  EXPECT_THAT(b.err, HasSubstr(bad + ":3:40: error: test 'b': 'batch' is 'each'"));
}

TEST_F(SluiceTest, AnEventMadeAndThenDroppedIsReported) {
  const auto file = test_file("made.yaml",
                              "  - name: made and dropped\n"
                              "    pipeline: unstamped\n"
                              "    input: ['{\"n\":1}']\n"
                              "    output: [{json: {n: 1}}]\n");
  const auto r = sluice_test({file});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("FAIL  " + file +
                               ":3:5: unstamped: made and dropped\n"
                               "        an event made by a transform: dropped by transforms[1] unstamp, "
                               "not expected\n"));
}

TEST_F(SluiceTest, ReceivedAtGoesUpToTheLastTimeTheEventClockHolds) {
  // system_clock counts nanoseconds in 64 bits: its last millisecond is 9223372036854 (in 2262).
  const auto file = test_file("time.yaml",
                              "  - name: the last millisecond\n"
                              "    pipeline: clicks\n"
                              "    input: [{json: {page: a, clickNumber: 1}, received_at: 9223372036854}]\n"
                              "    output: [{fields: {receivedAt: {equals: 9223372036854}}}]\n");
  auto r = sluice_test({file});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  const auto beyond = test_file("beyond.yaml",
                                "  - name: one more\n"
                                "    pipeline: clicks\n"
                                "    input: [{json: {page: a, clickNumber: 1}, received_at: 9223372036855}]\n");
  r = sluice_test({beyond});
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr(beyond + ":5:60: error: test 'one more': 'received_at' must be Unix milliseconds from "
                                        "0 to 9223372036854 (the last the clock holds, in 2262)\n"));
}

TEST_F(SluiceTest, ValuesJsonCannotHoldAreLocatedAndTheOtherFilesStillRun) {
  const auto bad = test_file("numbers.yaml",
                             "  - name: numbers\n"
                             "    pipeline: clicks\n"
                             "    input:\n"
                             "      - {json: {page: a, clickNumber: 1e999}}\n"
                             "      - {json: {page: a, clickNumber: 1e-400}}\n"
                             "      - {json: {page: a, clickNumber: " +
                                 std::string(400, '9') +
                                 "}}\n"
                                 "      - {json: {page: \"a\xff\"}}\n");
  const auto good = test_file("good.yaml", kPassing);
  const auto r = sluice_test({bad, good});
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr(bad + ":6:39: error: test 'numbers': the number 1e999 is too large for a double"));
  EXPECT_THAT(r.err, HasSubstr(bad + ":7:39: error: test 'numbers': the number 1e-400 is too small for a double"));
  EXPECT_THAT(r.err, HasSubstr(bad + ":8:39: error: test 'numbers': the number 9999"));
  EXPECT_THAT(r.err, HasSubstr(bad + ":9:23: error: test 'numbers': not UTF-8 text"));
  EXPECT_THAT(r.out, HasSubstr("ok    " + good + ":3:5: clicks: clicks are enriched and bad ones rejected\n"));
  EXPECT_THAT(r.out, HasSubstr("1 passed, 0 failed, 1 test file refused\n"));
}

TEST_F(SluiceTest, AnArrayIndexNoArrayHasIsAbsent) {
  const auto file = test_file("pointer.yaml",
                              "  - name: pointer\n"
                              "    pipeline: shaped\n"
                              "    transforms: [filter]\n"
                              "    input: ['{\"a\":[1]}']\n"
                              "    output: [{fields: {/a/99999999999999999999: {exists: false}, /a/0: {equals: 1}}}]\n"
                              "  - name: pointer present\n"
                              "    pipeline: shaped\n"
                              "    transforms: [filter]\n"
                              "    input: ['{\"a\":[1]}']\n"
                              "    output: [{fields: {/a/99999999999999999999: {exists: true}}}]\n");
  const auto r = sluice_test({file});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("ok    " + file + ":3:5: shaped: pointer\n"));
  EXPECT_THAT(r.out, HasSubstr("        field /a/99999999999999999999: is absent\n"));
}

TEST_F(SluiceTest, LongTextNeitherOverflowsTheStackNorTakesForever) {
  // A 200,000-digit number (a regex that classified it recursed once per digit), and output text
  // of 1 MiB for a regex (the same): refused with a message, not a crash.
  const auto file = test_file("long.yaml",
                              "  - name: long number\n"
                              "    pipeline: shaped\n"
                              "    transforms: [filter]\n"
                              "    input: [{json: {n: 1." +
                                  std::string(200000, '0') +
                                  "}}]\n"
                                  "    output: [{json: {n: 1.0}}]\n"
                                  "  - name: long text\n"
                                  "    pipeline: shaped\n"
                                  "    transforms: [filter]\n"
                                  "    input: ['{\"s\":\"" +
                                  std::string(1 << 20, 'a') +
                                  "\"}']\n"
                                  "    output: [{fields: {s: {matches: '^a*$'}}}]\n");
  const auto r = sluice_test({file});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("ok    " + file + ":3:5: shaped: long number\n"));
  EXPECT_THAT(r.out, HasSubstr("        field s: cannot match /^a*$/: it is 1048576 bytes, longer than the 4096 that a "
                               "regex is tried on; check it with 'equals', or a shorter field\n"));
  // Up to the bound, the regex is tried.
  const auto ok = test_file("bound.yaml",
                            "  - name: at the bound\n"
                            "    pipeline: shaped\n"
                            "    transforms: [filter]\n"
                            "    input: ['{\"s\":\"" +
                                std::string(4096, 'a') +
                                "\"}']\n"
                                "    output: [{fields: {s: {matches: '^a*$'}}}]\n");
  const auto b = sluice_test({ok});
  EXPECT_EQ(b.code, 0) << b.out << b.err;
}

TEST_F(SluiceTest, MetadataIsComparedAsText) {
  const auto file = test_file("meta.yaml",
                              "  - name: a number as written\n"
                              "    pipeline: shaped\n"
                              "    transforms: [filter]\n"
                              "    input: [{payload: '{}', metadata: {n: 41, t: true}}]\n"
                              "    output: [{metadata: {n: {equals: 41}, t: {equals: true}}}]\n");
  auto r = sluice_test({file});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  const auto bad = test_file("meta-bad.yaml",
                             "  - name: a list\n"
                             "    pipeline: shaped\n"
                             "    input: ['{}']\n"
                             "    output: [{metadata: {n: {equals: [41]}}}]\n");
  r = sluice_test({bad});
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr(bad + ":6:38: error: test 'a list': metadata values are strings: 'equals' must be a "
                                     "single value"));
}

TEST_F(SluiceTest, AKeyThatIsNotANameIsLocated) {
  const auto file = test_file("keys.yaml",
                              "  - name: keys\n"
                              "    pipeline: shaped\n"
                              "    input: [{payload: '{}', metadata: {[a]: b}}]\n"
                              "    output: [{fields: {{x: 1}: {exists: true}}}]\n"
                              "    [input]: 1\n");
  const auto r = sluice_test({file});
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr(file + ":5:40: error: test 'keys': a key must be a name, not a list or a mapping\n"));
  EXPECT_THAT(r.err, HasSubstr(file + ":6:24: error: test 'keys': a key must be a name"));
  EXPECT_THAT(r.err, HasSubstr(file + ":7:5: error: test 'keys': a key must be a name"));
}

TEST_F(SluiceTest, InputFromAnNdjsonFile) {
  write("in/clicks.ndjson", "{\"page\":\"a\",\"clickNumber\":1}\n\n{\"page\":\"b\"}\r\n");
  const auto file = test_file("ndjson.yaml",
                              "  - name: ndjson\n"
                              "    pipeline: clicks\n"
                              "    input_file: in/clicks.ndjson\n"
                              "    output: [{fields: {page: {equals: a}}}]\n"
                              "    rejected: [{input: 1, reason: \"missing field 'clickNumber'\"}]\n");
  const auto r = sluice_test({file});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
}

TEST_F(SluiceTest, ABadTestFileExitsTwoWithEveryProblemLocated) {
  const auto file = test_file("bad.yaml",
                              "  - name: bad\n"
                              "    pipeline: clicks\n"
                              "    input: ['{}']\n"
                              "    outputs: []\n"
                              "    rejected:\n"
                              "      - {input: 5, reason: x}\n"
                              "      - {input: 0, reason_matches: '(unclosed'}\n"
                              "    dropped: [0]\n");
  const auto r = sluice_test({file});
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_THAT(r.err,
              HasSubstr(file + ":6:5: error: test 'bad': unknown key 'outputs' in a test (did you mean "
                               "'output'?); expected name, pipeline, transforms, input, input_file, batch, output, "
                               "rejected, failed, dropped\n"));
  EXPECT_THAT(r.err, HasSubstr(file + ":8:17: error: test 'bad': input 5 does not exist: the test has 1 input event, "
                                      "counted from 0\n"));
  EXPECT_THAT(r.err, HasSubstr(file + ":9:36: error: test 'bad': 'reason_matches' is not a regular expression"));
  EXPECT_THAT(r.err, HasSubstr(file + ":10:15: error: test 'bad': input 0 is already expected to be rejected, "
                                      "failed or dropped\n"));
  EXPECT_THAT(r.out, HasSubstr("0 passed, 0 failed, 1 test file refused\n"));
  EXPECT_THAT(r.out, Not(HasSubstr("ok ")));
}

TEST_F(SluiceTest, InvalidYamlIsLocated) {
  const auto file = test_file("yaml.yaml", "  - name: [unclosed\n");
  const auto r = sluice_test({file});
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr(file + ":4:1: error: invalid YAML: "));
}

TEST_F(SluiceTest, AnUnknownPipelineOrTransformIsABadTestFile) {
  const auto file = test_file("names.yaml",
                              "  - name: typo\n"
                              "    pipeline: clickz\n"
                              "    input: ['{}']\n"
                              "  - name: no such transform\n"
                              "    pipeline: shaped\n"
                              "    transforms: [stamp, filtre, 7]\n"
                              "    input: ['{}']\n"
                              "  - name: would pass\n"
                              "    pipeline: shaped\n"
                              "    input: ['{}']\n"
                              "    output: [{json: {}}, {json: {made: stamp}}]\n");
  const auto r = sluice_test({file});
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr(file + ":4:15: error: test 'typo': no pipeline 'clickz' in " +
                               (dir_ / "pipeline.yaml").string() +
                               " (did you mean 'clicks'?); it defines clicks, shaped, refused, "
                               "unstamped\n"));
  EXPECT_THAT(r.err,
              HasSubstr(file + ":8:25: error: test 'no such transform': pipeline 'shaped' has no transform of "
                               "type 'filtre' (did you mean 'filter'?); it has filter, stamp, explode (from 0)\n"));
  EXPECT_THAT(r.err, HasSubstr(file + ":8:33: error: test 'no such transform': pipeline 'shaped' has no transform 7"));
  // A file with a mistake runs none of its tests.
  EXPECT_THAT(r.out, Not(HasSubstr("would pass")));
}

TEST_F(SluiceTest, AFactoryThatRefusesItsOptionsIsLocatedInThePipelineFile) {
  const auto file = test_file("refused.yaml", "  - name: refused\n    pipeline: refused\n    input: ['{}']\n");
  const auto r = sluice_test({file});
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr((dir_ / "pipeline.yaml").string() +
                               ":14:40: error: pipeline 'refused', transforms[0] (refuse): level is never right\n"));
  EXPECT_THAT(r.err, HasSubstr(file + ":3:5: error: test 'refused': its transforms cannot be created (above)\n"));
}

TEST_F(SluiceTest, ABrokenPipelineFileIsReportedWithItsOwnLocations) {
  write("broken.yaml", "pipelines:\n  p:\n    source: {type: generator, rat: 5}\n    sinks: [{type: drop}]\n");
  const auto file = write("t.yaml", "pipeline_file: broken.yaml\ntests:\n  - {name: t, pipeline: p, input: ['{}']}\n");
  const auto r = sluice_test({file});
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr((dir_ / "broken.yaml").string() + ":3:31: error: pipeline 'p', source (generator): "
                                                                 "unknown option 'rat' (did you mean 'rate'?)"));
  EXPECT_THAT(r.err, HasSubstr(file + ":1:16: error: the pipeline file " + (dir_ / "broken.yaml").string() +
                               " cannot be loaded (above); no test of this file ran\n"));
}

TEST_F(SluiceTest, AFolderRunsEveryFileAndTheWorstOutcomeIsTheExitCode) {
  test_file("suite/a-pass.yaml", kPassing);
  test_file("suite/b-fail.yaml", "  - {name: f, pipeline: clicks, input: ['{}']}\n");
  write("suite/c-bad.yml", "tests: []\n");
  write("suite/notes.txt", "not a test file\n");
  // The pipeline file is named relative to each test file's folder.
  write("suite/pipeline.yaml", kPipelines);
  auto r = sluice_test({(dir_ / "suite").string()});
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("1 passed, 1 failed, 1 test file refused\n"));
  EXPECT_THAT(r.err, HasSubstr((dir_ / "suite" / "c-bad.yml").string() + ":1:1: error: missing 'pipeline_file'"));
  // Without the bad file, the failure decides.
  std::filesystem::remove(dir_ / "suite" / "c-bad.yml");
  r = sluice_test({(dir_ / "suite").string()});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("1 passed, 1 failed\n"));
  // Several paths: each is run.
  r = sluice_test({(dir_ / "suite" / "a-pass.yaml").string(), (dir_ / "suite" / "a-pass.yaml").string()});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("2 passed, 0 failed\n"));
}

TEST_F(SluiceTest, NothingToRunIsAUsageError) {
  const Finished r = run_finished({SLUICE_TEST_BINARY, "test"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("sluice test: expected at least one test file or folder"));
  std::filesystem::create_directories(dir_ / "empty");
  const auto empty = sluice_test({(dir_ / "empty").string()});
  EXPECT_EQ(empty.code, 2);
  EXPECT_THAT(empty.err,
              HasSubstr((dir_ / "empty").string() + ": error: no test files (*.yaml, *.yml) in this folder\n"));
  const auto missing = sluice_test({(dir_ / "missing.yaml").string()});
  EXPECT_EQ(missing.code, 2);
  EXPECT_THAT(missing.err, HasSubstr("missing.yaml: error: cannot read the test file: No such file or directory\n"));
}

// As the engine does: a transform is started before the first batch and stopped after the last.
TEST_F(SluiceTest, TransformsAreStartedBeforeTheFirstBatchAndStoppedAfterTheLast) {
  const auto stop_file = dir_ / "stopped";
  write("lifecycle.yaml",
        "pipelines:\n  p:\n    source: {type: generator}\n"
        "    transforms: [{type: lifecycle, stop_file: '" +
            stop_file.string() +
            "'}]\n"
            "    sinks: [{type: drop}]\n");
  const auto file = write("lifecycle_test.yaml",
                          "pipeline_file: lifecycle.yaml\ntests:\n"
                          "  - name: started\n    pipeline: p\n"
                          "    input: [{json: {n: 1}}, {json: {n: 2}}]\n"
                          "    output: [{json: {n: 1, started: true}}, {json: {n: 2, started: true}}]\n");
  const auto r = sluice_test({file});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  std::ifstream stopped(stop_file);
  std::string text;
  std::getline(stopped, text);
  EXPECT_EQ(text, "stopped") << "stop() ran once the test's batches were through";
}

}  // namespace
}  // namespace sluice::test
