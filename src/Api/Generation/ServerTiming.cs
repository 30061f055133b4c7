using System.Diagnostics;
using System.Globalization;

namespace GanService.Api.Generation;

/// <summary>
/// Durations of a request's stages for the standard <c>Server-Timing</c> response header (shown by browsers'
/// developer tools; read by bench-generate), e.g. <c>queue;dur=0.1, forward;dur=43.0, encode;dur=2.4</c>.
/// </summary>
public sealed class ServerTiming
{
    private readonly List<(string Name, double Milliseconds)> _entries = [];
    private long _started = Stopwatch.GetTimestamp();

    /// <summary>Records the time since the previous mark (or since creation) under <paramref name="name"/>.</summary>
    public void Mark(string name)
    {
        var now = Stopwatch.GetTimestamp();
        _entries.Add((name, Stopwatch.GetElapsedTime(_started, now).TotalMilliseconds));
        _started = now;
    }

    public void Add(string name, TimeSpan duration) => _entries.Add((name, duration.TotalMilliseconds));

    public void WriteTo(HttpResponse response) =>
        response.Headers["Server-Timing"] = string.Join(", ",
            _entries.Select(e => string.Create(CultureInfo.InvariantCulture, $"{e.Name};dur={e.Milliseconds:0.0}")));
}
