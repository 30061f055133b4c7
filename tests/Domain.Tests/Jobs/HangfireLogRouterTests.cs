using GanService.Domain.Jobs;
using Microsoft.Extensions.Logging;
using HangfireLevel = Hangfire.Logging.LogLevel;

namespace GanService.Domain.Tests.Jobs;

public class HangfireLogRouterTests
{
    /// A host's logger factory: records entries, and throws as a disposed LoggerFactory does once disposed.
    private sealed class HostLoggers : ILoggerFactory
    {
        public List<string> Entries { get; } = [];
        public bool Disposed { get; private set; }

        public ILogger CreateLogger(string categoryName) =>
            Disposed ? throw new ObjectDisposedException(nameof(LoggerFactory)) : new Recorder(this);

        public void AddProvider(ILoggerProvider provider) { }

        public void Dispose() => Disposed = true;

        private sealed class Recorder(HostLoggers host) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => true;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                host.Entries.Add($"{logLevel}: {formatter(state, exception)}");
        }
    }

    [Fact]
    public void Entries_go_to_the_newest_live_host_and_a_disposed_host_is_skipped_instead_of_throwing()
    {
        var older = new HostLoggers();
        var newer = new HostLoggers();
        HangfireLogRouter.Instance.Register(older);
        HangfireLogRouter.Instance.Register(newer);
        var log = HangfireLogRouter.Instance.GetLogger("Hangfire.AutomaticRetryAttribute");

        Assert.True(log.Log(HangfireLevel.Warn, () => "first"));
        newer.Dispose();
        Assert.True(log.Log(HangfireLevel.Info, () => "second"));

        Assert.Equal(["Warning: first"], newer.Entries);
        Assert.Equal(["Information: second"], older.Entries);
        older.Dispose();
    }
}
