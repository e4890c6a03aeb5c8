// Keeps gaplog_notify a library while its first sources are written; removed with them.
namespace gaplog::notify_placeholder {
int unused() { return 0; }
}  // namespace gaplog::notify_placeholder
