// The metrics library (metrics/metrics.h): what each call counts, where observations land in the
// histograms' buckets, label values kept to bounded sets and escaped in the text format, and the
// gauges of the present read at scrape time.
#include "metrics/metrics.h"

#include <gtest/gtest.h>

#include <string>

#include "metrics/version.h"

namespace gaplog {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

// The line of `text` that starts with `series` followed by a space, without that prefix; "" when
// there is none.
std::string value_of(const std::string& text, const std::string& series) {
  const std::string start = series + " ";
  for (size_t at = 0; at < text.size();) {
    const size_t end = text.find('\n', at);
    const std::string line = text.substr(at, end == std::string::npos ? end : end - at);
    if (line.starts_with(start)) return line.substr(start.size());
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return "";
}

TEST(Metrics, CountsRequestsByMethodRouteAndStatus) {
  Metrics m;
  m.request_finished("GET", "/api/v1/findings/{id}", 200, microseconds(1500));
  m.request_finished("GET", "/api/v1/findings/{id}", 200, microseconds(2500));
  m.request_finished("GET", "/api/v1/findings/{id}", 404, microseconds(100));
  m.request_finished("POST", "/api/v1/findings", 201, microseconds(100));
  const std::string text = m.scrape();
  EXPECT_EQ(
      value_of(
          text,
          R"(gaplog_http_requests_total{method="GET",route="/api/v1/findings/{id}",status="200"})"),
      "2")
      << text;
  EXPECT_EQ(
      value_of(
          text,
          R"(gaplog_http_requests_total{method="GET",route="/api/v1/findings/{id}",status="404"})"),
      "1");
  EXPECT_EQ(
      value_of(
          text,
          R"(gaplog_http_requests_total{method="POST",route="/api/v1/findings",status="201"})"),
      "1");
  EXPECT_NE(text.find("# TYPE gaplog_http_requests_total counter"), std::string::npos);
}

TEST(Metrics, KeepsClientChosenLabelsToBoundedSets) {
  Metrics m;
  m.request_finished("BREW", "", 400, microseconds(10));
  m.request_finished("get", "", 404, microseconds(10));
  const std::string text = m.scrape();
  EXPECT_EQ(
      value_of(text, R"(gaplog_http_requests_total{method="other",route="other",status="400"})"),
      "1")
      << text;
  EXPECT_EQ(
      value_of(text, R"(gaplog_http_requests_total{method="other",route="other",status="404"})"),
      "1");
  EXPECT_EQ(text.find("BREW"), std::string::npos);
  EXPECT_EQ(method_label("DELETE"), "DELETE");
  EXPECT_EQ(method_label("OPTIONS"), "OPTIONS");
  EXPECT_EQ(method_label(""), "other");
}

TEST(Metrics, HistogramBucketsAreCumulativeAndInSeconds) {
  Metrics m;
  // 3 ms and 7 ms requests: le="0.005" holds one, le="0.01" both; the sum is in seconds.
  m.request_finished("GET", "/", 200, microseconds(3000));
  m.request_finished("GET", "/", 200, microseconds(7000));
  const std::string text = m.scrape();
  const std::string bucket = R"(gaplog_http_request_duration_seconds_bucket{route="/",le=")";
  EXPECT_EQ(value_of(text, bucket + R"(0.0025"})"), "0") << text;
  EXPECT_EQ(value_of(text, bucket + R"(0.005"})"), "1");
  EXPECT_EQ(value_of(text, bucket + R"(0.01"})"), "2");
  EXPECT_EQ(value_of(text, bucket + R"(+Inf"})"), "2");
  EXPECT_EQ(value_of(text, R"(gaplog_http_request_duration_seconds_count{route="/"})"), "2");
  EXPECT_DOUBLE_EQ(
      std::stod(value_of(text, R"(gaplog_http_request_duration_seconds_sum{route="/"})")), 0.010);

  m.append_finished(milliseconds(2));
  m.sync_finished(std::chrono::microseconds(300));
  m.sync_finished(std::chrono::seconds(3));
  const std::string log = m.scrape();
  EXPECT_EQ(value_of(log, "gaplog_log_append_duration_seconds_count"), "1") << log;
  EXPECT_EQ(value_of(log, R"(gaplog_log_append_duration_seconds_bucket{le="0.001"})"), "0");
  EXPECT_EQ(value_of(log, R"(gaplog_log_append_duration_seconds_bucket{le="0.0025"})"), "1");
  EXPECT_EQ(value_of(log, R"(gaplog_log_sync_duration_seconds_bucket{le="0.0005"})"), "1");
  EXPECT_EQ(value_of(log, R"(gaplog_log_sync_duration_seconds_bucket{le="2.5"})"), "1");
  EXPECT_EQ(value_of(log, R"(gaplog_log_sync_duration_seconds_bucket{le="+Inf"})"), "2");
}

TEST(Metrics, EscapesLabelValuesInTheTextFormat) {
  Metrics m;
  // Routes are patterns, never client text; but whatever reaches a label is escaped as the
  // format says (backslash, double quote, line feed).
  m.request_finished("GET", "/a\"b\\c\nd", 200, microseconds(1));
  const std::string text = m.scrape();
  EXPECT_EQ(
      value_of(text,
               R"(gaplog_http_requests_total{method="GET",route="/a\"b\\c\nd",status="200"})"),
      "1")
      << text;
}

TEST(Metrics, NotificationsAndBackupsCountByBoundedLabels) {
  Metrics m;
  const std::string before = m.scrape();
  // Known label values exist at 0 from the start; the backup age does not until a backup ran.
  EXPECT_EQ(value_of(before, R"(gaplog_notifications_sent_total{channel="email"})"), "0") << before;
  EXPECT_EQ(value_of(before, R"(gaplog_notifications_failed_total{channel="webhook"})"), "0");
  EXPECT_EQ(value_of(before, R"(gaplog_backups_total{result="failed"})"), "0");
  EXPECT_EQ(before.find("gaplog_backup_last_success_timestamp_seconds "), std::string::npos);

  m.notification_attempted("email", true);
  m.notification_attempted("email", true);
  m.notification_attempted("webhook", false);
  m.backup_finished(false, 1'796'000'000'000'000);
  const std::string failed_only = m.scrape();
  EXPECT_EQ(value_of(failed_only, "gaplog_backup_last_success_timestamp_seconds"), "0");
  m.backup_finished(true, 1'796'000'100'500'000);
  const std::string text = m.scrape();
  EXPECT_EQ(value_of(text, R"(gaplog_notifications_sent_total{channel="email"})"), "2") << text;
  EXPECT_EQ(value_of(text, R"(gaplog_notifications_failed_total{channel="webhook"})"), "1");
  EXPECT_EQ(value_of(text, R"(gaplog_notifications_failed_total{channel="email"})"), "0");
  EXPECT_EQ(value_of(text, R"(gaplog_backups_total{result="ok"})"), "1");
  EXPECT_EQ(value_of(text, R"(gaplog_backups_total{result="failed"})"), "1");
  EXPECT_DOUBLE_EQ(std::stod(value_of(text, "gaplog_backup_last_success_timestamp_seconds")),
                   1'796'000'100.5);
}

TEST(Metrics, ReadsTheGaugesOfThePresentAtEachScrape) {
  uint64_t size = 10;
  int reads = 0;
  Metrics m([&] {
    ++reads;
    return Metrics::Readings{size, {{"commands", size - 10}}};
  });
  EXPECT_EQ(reads, 0) << "nothing is read before a scrape";
  EXPECT_EQ(value_of(m.scrape(), "gaplog_log_tree_size"), "10");
  size = 13;
  const std::string text = m.scrape();
  EXPECT_EQ(reads, 2);
  EXPECT_EQ(value_of(text, "gaplog_log_tree_size"), "13") << text;
  EXPECT_EQ(value_of(text, R"(gaplog_projection_lag_events{projection="commands"})"), "3");
  EXPECT_EQ(value_of(text, "gaplog_build_info{version=\"" + std::string(gaplog_version()) + "\"}"),
            "1");
  EXPECT_EQ(Metrics::kContentType, "text/plain; version=0.0.4");
}

}  // namespace
}  // namespace gaplog
