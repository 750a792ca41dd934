// STYLE: every test file releases what it started (jest runs without forceExit: a leak keeps it alive).
// After each file no listening server may be left
// (the sandbox, a stub portal). A server's handle goes a moment after close() resolves, hence the wait;
// client keep-alive sockets and timers close by themselves.
afterAll(async () => {
  await new Promise((resolve) => setTimeout(resolve, 50));
  const servers = process.getActiveResourcesInfo().filter((r) => r === "TCPServerWrap");
  expect(servers).toEqual([]);
});
