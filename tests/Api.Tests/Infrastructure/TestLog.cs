using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace GanService.Api.Tests.Infrastructure;

/// <summary>
/// The service's own log lines (GanService and Hangfire, Information and up) of one test host, kept in memory so that
/// a test that times out waiting for a run can show what the server was doing.
/// </summary>
public sealed class TestLog : ILoggerProvider
{
    private const int Keep = 400;
    private readonly ConcurrentQueue<string> _lines = new();

    /// <summary>The host's log by the clients it made (see <see cref="GanApiFactory.CreateClient(string)"/>).</summary>
    private static readonly ConditionalWeakTable<HttpClient, TestLog> ByClient = new();

    public static void Attach(HttpClient client, TestLog log) => ByClient.AddOrUpdate(client, log);

    /// <summary>The last lines of the log of the host that made <paramref name="client"/>, or "" when unknown.</summary>
    public static string TailOf(HttpClient client, int lines = 60) =>
        ByClient.TryGetValue(client, out var log) ? string.Join('\n', log._lines.TakeLast(lines)) : "";

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    private void Add(string line)
    {
        _lines.Enqueue(line);
        while (_lines.Count > Keep) _lines.TryDequeue(out _);
    }

    public void Dispose() { }

    private sealed class Logger(TestLog log, string category) : ILogger
    {
        private readonly bool _wanted = category.StartsWith("GanService", StringComparison.Ordinal) || category.StartsWith("Hangfire", StringComparison.Ordinal);

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => _wanted && logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var line = $"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel.ToString()[..4]} {category}: {formatter(state, exception)}";
            if (exception is not null) line += $" | {exception.GetType().Name}: {exception.Message}";
            log.Add(line);
        }
    }
}
