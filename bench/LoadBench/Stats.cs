using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace GanService.LoadBench;

/// <summary>Counts and latencies per kind of request, from all clients at once.</summary>
internal sealed class Stats
{
    private static readonly string[] Reads = ["runs", "run", "sample", "preview"];

    private sealed class Kind
    {
        public readonly List<double> Milliseconds = [];
        public int Total, Ok, ClientError, TooMany, TooManyWithoutRetryAfter, ServerError, TimedOut, Broken;
    }

    private readonly ConcurrentDictionary<string, Kind> _kinds = new();
    private readonly ConcurrentDictionary<string, int> _events = new();
    private readonly ConcurrentQueue<string> _notes = new();

    public void Record(string kind, int status, TimeSpan took, bool hasRetryAfter)
    {
        // Refused generate requests are their own row: their latency is the refusal's, not generation's.
        var row = _kinds.GetOrAdd(status == 429 ? kind + " 429" : kind, _ => new Kind());
        lock (row)
        {
            row.Total++;
            row.Milliseconds.Add(took.TotalMilliseconds);
            if (status is >= 200 and < 300) row.Ok++;
            else if (status == 429) { row.TooMany++; if (!hasRetryAfter) row.TooManyWithoutRetryAfter++; }
            else if (status is >= 400 and < 500) row.ClientError++;
            else row.ServerError++;
        }
    }

    public void RecordFailure(string kind, TimeSpan took, bool timedOut)
    {
        var row = _kinds.GetOrAdd(kind, _ => new Kind());
        lock (row)
        {
            row.Total++;
            if (timedOut) row.TimedOut++; else row.Broken++;
        }
    }

    public void Event(string name) => _events.AddOrUpdate(name, 1, (_, count) => count + 1);

    public void Note(string note)
    {
        if (_notes.Count < 20) _notes.Enqueue(note);
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];

    private (int Total, int Ok, int ClientError, int TooMany, int ServerError, int TimedOut, int Broken, List<double> Sorted) Snapshot(params string[] names)
    {
        var merged = new Kind();
        var all = new List<double>();
        foreach (var name in names)
        {
            if (!_kinds.TryGetValue(name, out var row)) continue;
            lock (row)
            {
                merged.Total += row.Total; merged.Ok += row.Ok; merged.ClientError += row.ClientError; merged.TooMany += row.TooMany;
                merged.ServerError += row.ServerError; merged.TimedOut += row.TimedOut; merged.Broken += row.Broken;
                all.AddRange(row.Milliseconds);
            }
        }
        all.Sort();
        return (merged.Total, merged.Ok, merged.ClientError, merged.TooMany, merged.ServerError, merged.TimedOut, merged.Broken, all);
    }

    public string Table(TimeSpan elapsed)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{"kind",-14}{"requests",9}{"/s",7}{"2xx",8}{"4xx",6}{"429",7}{"5xx",6}{"timeout",8}{"error",6}{"p50 ms",9}{"p95 ms",9}{"p99 ms",9}{"max ms",9}");
        var names = _kinds.Keys.Order().ToList();
        foreach (var name in names.Append("reads").Append("all"))
        {
            var s = name switch { "reads" => Snapshot(Reads), "all" => Snapshot(names.ToArray()), _ => Snapshot(name) };
            text.AppendLine(CultureInfo.InvariantCulture,
                $"{name,-14}{s.Total,9}{s.Total / elapsed.TotalSeconds,7:0}{s.Ok,8}{s.ClientError,6}{s.TooMany,7}{s.ServerError,6}{s.TimedOut,8}{s.Broken,6}" +
                $"{Percentile(s.Sorted, 50),9:0}{Percentile(s.Sorted, 95),9:0}{Percentile(s.Sorted, 99),9:0}{(s.Sorted.Count == 0 ? double.NaN : s.Sorted[^1]),9:0}");
        }
        text.Append("events received: ").AppendJoin(", ", _events.OrderBy(e => e.Key).Select(e => $"{e.Key} {e.Value}"));
        foreach (var note in _notes) text.AppendLine().Append("  note: ").Append(note);
        return text.ToString();
    }

    public (bool Passed, List<string> Lines) Verdict(Options options, double polls, double ticks)
    {
        var all = Snapshot(_kinds.Keys.ToArray());
        var reads = Snapshot(Reads);
        var generate = Snapshot("generate", "generate 429");
        var withoutRetryAfter = _kinds.Values.Sum(k => { lock (k) return k.TooManyWithoutRetryAfter; });
        var failed = all.ServerError + all.TimedOut + all.Broken;
        var readP99 = Percentile(reads.Sorted, 99);
        var checks = new List<(bool Ok, string Line)>
        {
            (failed == 0, $"failed requests (5xx, timeouts over {options.TimeoutSeconds} s, broken connections): {failed} (goal 0)"),
            (readP99 <= 500, string.Create(CultureInfo.InvariantCulture, $"read p99: {readP99:0} ms (goal <= 500)")),
            (generate.TimedOut == 0 && withoutRetryAfter == 0,
                $"generate: {generate.Ok} served, {generate.TooMany} answered 429 ({withoutRetryAfter} without Retry-After), {generate.TimedOut} left waiting past {options.TimeoutSeconds} s (goal: 429 with Retry-After, none left waiting)"),
            (polls <= ticks * 1.1 + 2, string.Create(CultureInfo.InvariantCulture, $"event polls: {polls / ticks:0.00} a tick (goal about 1, not one per subscriber)")),
        };
        return (checks.All(c => c.Ok), checks.Select(c => (c.Ok ? "PASS " : "FAIL ") + c.Line).ToList());
    }

    public string Json(TimeSpan elapsed, double polls, double ticks, double subscribers)
    {
        var kinds = _kinds.Keys.Order().Append("reads").ToDictionary(name => name, name =>
        {
            var s = name == "reads" ? Snapshot(Reads) : Snapshot(name);
            return new
            {
                requests = s.Total, ok = s.Ok, clientErrors = s.ClientError, tooMany = s.TooMany, serverErrors = s.ServerError, timedOut = s.TimedOut, broken = s.Broken,
                p50 = Math.Round(Percentile(s.Sorted, 50), 1), p95 = Math.Round(Percentile(s.Sorted, 95), 1), p99 = Math.Round(Percentile(s.Sorted, 99), 1),
            };
        });
        return JsonSerializer.Serialize(new { seconds = Math.Round(elapsed.TotalSeconds, 1), kinds, events = _events, polls, ticks = Math.Round(ticks), subscribers },
            new JsonSerializerOptions { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals });
    }
}
