#include "http/web_ui.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace gaplog {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

// Records what reaches the API and answers with a marker.
class FakeApi final : public RequestHandler {
 public:
  ApiResponse handle(const ApiRequest& request) override {
    seen.push_back(request.method + " " + request.target);
    ApiResponse r;
    r.status = 299;
    r.body = "api";
    return r;
  }
  bool streams_body(const ApiRequest& head) const override {
    return head.target == "/api/v1/evidence";
  }
  std::variant<ApiResponse, std::unique_ptr<UploadSink>> begin_upload(const ApiRequest&) override {
    ++uploads;
    ApiResponse r;
    r.status = 298;
    return r;
  }
  uint64_t max_body_bytes() const override { return 4242; }
  std::optional<ApiResponse> try_quick(const ApiRequest& request) override {
    if (request.target != "/healthz") return std::nullopt;
    ApiResponse r;
    r.status = 297;
    return r;
  }

  std::vector<std::string> seen;
  int uploads = 0;
};

void write_file(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

class WebUiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() /
            ("web_ui_test." + std::to_string(::getpid()) + "." +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    root_ = base_ / "web";
    write_file(root_ / "index.html", "<!doctype html><title>gaplog</title>");
    write_file(root_ / "assets" / "0123abcd" / "app.js", "export const x = 1;");
    write_file(root_ / "assets" / "0123abcd" / "app.css", "body{}");
    write_file(root_ / "assets" / "0123abcd" / "logo.svg", "<svg/>");
    write_file(root_ / "assets" / "0123abcd" / "data.bin", "\x01\x02");
    write_file(root_ / ".stamp", "secret-ish");
    write_file(base_ / "outside.txt", "outside the web root");
    write_file(base_ / "outside.html", "outside the web root");
    ui_ = std::make_unique<WebUi>(api_, root_);
  }
  void TearDown() override { fs::remove_all(base_); }

  ApiResponse get(const std::string& target, const std::string& method = "GET") {
    ApiRequest r;
    r.method = method;
    r.target = target;
    return ui_->handle(r);
  }

  fs::path base_, root_;
  FakeApi api_;
  std::unique_ptr<WebUi> ui_;
};

TEST_F(WebUiTest, RootAndClientRoutesServeIndexWithoutCaching) {
  for (const char* target : {"/", "/findings", "/findings/F-3", "/audit?after=10", "/owners/",
                             "/criteria/CC6.1", "/criteria/PI1.5"}) {
    ApiResponse r = get(target);
    EXPECT_EQ(r.status, 200) << target;
    EXPECT_EQ(r.body, "<!doctype html><title>gaplog</title>") << target;
    EXPECT_EQ(r.header("Content-Type"), "text/html; charset=utf-8") << target;
    EXPECT_EQ(r.header("Cache-Control"), "no-cache") << target;
  }
  EXPECT_TRUE(api_.seen.empty());
}

TEST_F(WebUiTest, AssetsHaveTheirContentTypeAndALongCache) {
  ApiResponse js = get("/assets/0123abcd/app.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.body, "export const x = 1;");
  EXPECT_EQ(js.header("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(js.header("Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(get("/assets/0123abcd/app.css").header("Content-Type"), "text/css; charset=utf-8");
  EXPECT_EQ(get("/assets/0123abcd/logo.svg").header("Content-Type"), "image/svg+xml");
  EXPECT_EQ(get("/assets/0123abcd/data.bin").header("Content-Type"), "application/octet-stream");
  EXPECT_EQ(get("/index.html").header("Cache-Control"), "no-cache");
}

TEST_F(WebUiTest, EveryUiResponseCarriesTheSecurityHeaders) {
  for (const char* target :
       {"/", "/assets/0123abcd/app.js", "/missing.js", "/../outside.txt", "/.stamp"}) {
    ApiResponse r = get(target);
    EXPECT_EQ(r.header("Content-Security-Policy"), kWebUiContentSecurityPolicy) << target;
    EXPECT_EQ(r.header("X-Content-Type-Options"), "nosniff") << target;
    EXPECT_EQ(r.header("Referrer-Policy"), "no-referrer") << target;
  }
  const std::string csp = kWebUiContentSecurityPolicy;
  EXPECT_THAT(csp, HasSubstr("script-src 'self';"));
  EXPECT_THAT(csp, Not(HasSubstr("unsafe")));
}

TEST_F(WebUiTest, PathTraversalIsRefused) {
  for (const char* target :
       {"/../outside.txt", "/assets/../../outside.txt", "/%2e%2e/outside.txt",
        "/%2E%2E/outside.html", "/assets/%2e%2e/%2e%2e/outside.txt", "/..%2foutside.txt",
        "/assets%2f..%2f..%2foutside.txt", "/..\\outside.txt", "/%5c..%5coutside.txt",
        "/./index.html", "/assets/0123abcd/app.js%00.html", "/%zz", "/%2"}) {
    ApiResponse r = get(target);
    EXPECT_NE(r.status, 200) << target;
    EXPECT_THAT(r.body, Not(HasSubstr("outside the web root"))) << target;
    EXPECT_EQ(r.header("Content-Type"), "text/plain; charset=utf-8") << target;
  }
}

TEST_F(WebUiTest, DotfilesAreNotServed) {
  EXPECT_EQ(get("/.stamp").status, 404);
  EXPECT_EQ(get("/%2estamp").status, 404);
}

TEST_F(WebUiTest, SymlinkOutOfTheRootIsNotFollowed) {
  fs::create_symlink(base_ / "outside.txt", root_ / "link.txt");
  fs::create_directory_symlink(base_, root_ / "up");
  EXPECT_EQ(get("/link.txt").status, 404);
  EXPECT_EQ(get("/up/outside.txt").status, 404);
  // A symlink that stays inside the root is fine.
  fs::create_symlink(root_ / "assets" / "0123abcd" / "app.css", root_ / "inside.css");
  EXPECT_EQ(get("/inside.css").status, 200);
}

TEST_F(WebUiTest, MissingAssetIsA404NotThePage) {
  ApiResponse r = get("/assets/0123abcd/missing.js");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "not found\n");
  EXPECT_EQ(get("/missing.js").status, 404);
  EXPECT_EQ(get("/style.css").status, 404);
  EXPECT_EQ(get("/assets/0123abcd/view").status, 404);  // under /assets/ nothing is a route
  EXPECT_EQ(get("/assets").status, 404);                // a directory is not a file
}

TEST_F(WebUiTest, WithoutBuiltAssetsTheRootSaysHowToBuildThem) {
  fs::remove_all(root_);
  ApiResponse r = get("/");
  EXPECT_EQ(r.status, 404);
  EXPECT_THAT(r.body, HasSubstr("npm ci && npm run build"));
  EXPECT_EQ(r.header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(get("/findings/F-1").status, 404);
  WebUi nowhere(api_, base_ / "does-not-exist");
  ApiRequest req;
  req.method = "GET";
  req.target = "/";
  EXPECT_THAT(nowhere.handle(req).body, HasSubstr("not built"));
}

TEST_F(WebUiTest, HeadIsServedLikeGet) {
  ApiResponse r = get("/assets/0123abcd/app.js", "HEAD");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Type"), "text/javascript; charset=utf-8");
}

TEST_F(WebUiTest, ApiAndHealthAndOtherMethodsPassThroughUnchanged) {
  EXPECT_EQ(get("/api/v1/readiness?as_of=2026-01-01").status, 299);
  EXPECT_EQ(get("/api").status, 299);
  EXPECT_EQ(get("/healthz").status, 299);
  EXPECT_EQ(get("/api/v1/findings", "POST").status, 299);
  EXPECT_EQ(get("/", "POST").status, 299);
  EXPECT_EQ(get("/anything", "DELETE").status, 299);
  // Sign-in's GETs are the API's, not client-side routes answered with index.html.
  EXPECT_EQ(get("/auth/config").status, 299);
  EXPECT_EQ(get("/auth/callback?code=c&state=s").status, 299);
  EXPECT_EQ(get("/auth/session", "HEAD").status, 299);
  EXPECT_THAT(api_.seen,
              ::testing::ElementsAre("GET /api/v1/readiness?as_of=2026-01-01", "GET /api",
                                     "GET /healthz", "POST /api/v1/findings", "POST /",
                                     "DELETE /anything", "GET /auth/config",
                                     "GET /auth/callback?code=c&state=s", "HEAD /auth/session"));
  ApiResponse api = get("/api/v1/readiness");
  EXPECT_FALSE(api.header("Content-Security-Policy").has_value());  // API responses are untouched
}

TEST_F(WebUiTest, UploadsLimitsAndTheQuickPathAreForwarded) {
  ApiRequest upload;
  upload.method = "POST";
  upload.target = "/api/v1/evidence";
  EXPECT_TRUE(ui_->streams_body(upload));
  auto begun = ui_->begin_upload(upload);
  ASSERT_TRUE(std::holds_alternative<ApiResponse>(begun));
  EXPECT_EQ(std::get<ApiResponse>(begun).status, 298);
  EXPECT_EQ(api_.uploads, 1);
  EXPECT_EQ(ui_->max_body_bytes(), 4242u);

  ApiRequest health;
  health.method = "GET";
  health.target = "/healthz";
  auto quick = ui_->try_quick(health);
  ASSERT_TRUE(quick.has_value());
  EXPECT_EQ(quick->status, 297);
  ApiRequest page;
  page.method = "GET";
  page.target = "/";
  EXPECT_FALSE(ui_->try_quick(page).has_value());
  EXPECT_FALSE(ui_->streams_body(page));
}

}  // namespace
}  // namespace gaplog
