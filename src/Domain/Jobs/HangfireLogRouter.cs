using Hangfire.Logging;
using Microsoft.Extensions.Logging;
using HangfireLevel = Hangfire.Logging.LogLevel;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace GanService.Domain.Jobs;

/// <summary>
/// Hangfire logs through one process-wide provider, and Hangfire.AspNetCore points it at the logger factory of the
/// last host that configured Hangfire. When that host is disposed while another lives on (the test suite runs
/// several hosts in one process), Hangfire's own code, even the constructor of its retry filter, throws
/// ObjectDisposedException: job creation failed with a 500 and jobs stopped running. This router sends each entry to
/// the newest host still alive and drops a host whose factory is gone.
/// </summary>
public sealed class HangfireLogRouter : ILogProvider
{
    public static HangfireLogRouter Instance { get; } = new();

    private readonly Lock _lock = new();
    private readonly List<ILoggerFactory> _hosts = [];

    private HangfireLogRouter() { }

    /// <summary>Adds a host's logger factory; the newest live one gets the entries.</summary>
    public void Register(ILoggerFactory factory)
    {
        lock (_lock)
        {
            _hosts.Remove(factory);
            _hosts.Add(factory);
        }
    }

    public ILog GetLogger(string name) => new RoutedLog(this, name);

    private bool Write(string name, HangfireLevel level, Func<string>? message, Exception? exception)
    {
        while (true)
        {
            ILoggerFactory? factory;
            lock (_lock) factory = _hosts.Count == 0 ? null : _hosts[^1];
            if (factory is null) return false;
            try
            {
                var logger = factory.CreateLogger(name);
                var mapped = Map(level);
                if (message is null) return logger.IsEnabled(mapped); // Hangfire asks "is this level on?" this way
                if (!logger.IsEnabled(mapped)) return false;
                logger.Log(mapped, 0, message(), exception, static (text, _) => text);
                return true;
            }
            catch (ObjectDisposedException)
            {
                lock (_lock) _hosts.Remove(factory); // that host is gone; try the next
            }
        }
    }

    private static LogLevel Map(HangfireLevel level) => level switch
    {
        HangfireLevel.Trace => LogLevel.Trace,
        HangfireLevel.Debug => LogLevel.Debug,
        HangfireLevel.Info => LogLevel.Information,
        HangfireLevel.Warn => LogLevel.Warning,
        HangfireLevel.Error => LogLevel.Error,
        _ => LogLevel.Critical,
    };

    private sealed class RoutedLog(HangfireLogRouter router, string name) : ILog
    {
        public bool Log(HangfireLevel logLevel, Func<string>? messageFunc, Exception? exception = null) =>
            router.Write(name, logLevel, messageFunc, exception);
    }
}
