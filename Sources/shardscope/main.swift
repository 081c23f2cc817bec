// Temporary entry point while the sources and the TUI land; the real CLI is wired in next.
print("shardscope: not wired yet")
