using System.Diagnostics;
using System.Globalization;
using GanService.LoadBench;

// Many clients against a running API: see bench/load.sh, which starts the API and passes these.
//   LoadBench --api URL --key ADMIN_KEY --images DIR [--clients 200] [--users 20] [--seconds 60] [--think-ms 1000]
//             [--timeout-s 10] [--train true]
var options = Options.Parse(args);
using var http = Client.CreateHttp(options);

Console.Error.WriteLine($"==> Seeding {options.Users} users (a dataset and a finished tiny run each{(options.Train ? ", then a long run to follow" : "")})");
var seedWatch = Stopwatch.StartNew();
var users = await Seed.UsersAsync(http, options);
Console.Error.WriteLine($"    seeded in {seedWatch.Elapsed.TotalSeconds:0} s");

var pollsBefore = await Metrics.ReadAsync(http, "ganservice_run_events_polls_total");
var cpuBefore = Cpu.Read(options.ApiPid);
var stats = new Stats();
using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(options.Seconds));
var watch = Stopwatch.StartNew();
Console.Error.WriteLine($"==> {options.Clients} clients for {options.Seconds} s (think 0-{options.ThinkMs} ms between actions, each with an event stream open)");
var clients = Enumerable.Range(0, options.Clients)
    .Select(i => Task.Run(() => new Client(http, options, users[i % users.Count], stats, seed: i).RunAsync(stop.Token)))
    .ToList();
// Halfway through, every stream should be open and the database still polled about once a tick.
var subscribersMidway = Task.Run(async () =>
{
    await Task.Delay(TimeSpan.FromSeconds(options.Seconds / 2.0));
    return await Metrics.ReadAsync(http, "ganservice_run_events_subscribers");
});
await Task.WhenAll(clients);
var elapsed = watch.Elapsed;
var cpuAfter = Cpu.Read(options.ApiPid);
var pollsAfter = await Metrics.ReadAsync(http, "ganservice_run_events_polls_total");
var subscribers = await subscribersMidway;

if (options.Train) await Seed.CancelLiveRunsAsync(http, users);

var ticks = elapsed.TotalSeconds / 0.5;
var polls = pollsAfter - pollsBefore;
Console.WriteLine(stats.Table(elapsed));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"event streams open midway: {subscribers:0}; database polls for them: {polls:0} in {ticks:0} ticks ({polls / ticks:0.00} a tick; one per subscriber would be {subscribers * ticks:0})"));

Console.WriteLine(Cpu.Describe(cpuBefore, cpuAfter, elapsed));
var verdict = stats.Verdict(options, polls, ticks);
foreach (var line in verdict.Lines) Console.WriteLine(line);
Console.WriteLine(stats.Json(elapsed, polls, ticks, subscribers));
return verdict.Passed ? 0 : 1;

namespace GanService.LoadBench
{
    internal sealed record Options(Uri Api, string AdminKey, string Images, int Clients, int Users, int Seconds, int ThinkMs, int TimeoutSeconds, bool Train, int? ApiPid)
    {
        public static Options Parse(string[] args)
        {
            var map = new Dictionary<string, string>();
            for (var i = 0; i + 1 < args.Length; i += 2)
                map[args[i].TrimStart('-')] = args[i + 1];
            string Get(string name, string? fallback = null) =>
                map.TryGetValue(name, out var value) ? value : fallback ?? throw new ArgumentException($"--{name} is required");
            int Int(string name, int fallback) => int.Parse(Get(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
            return new Options(new Uri(Get("api")), Get("key"), Get("images"), Int("clients", 200), Int("users", 20), Int("seconds", 60),
                Int("think-ms", 1000), Int("timeout-s", 10), bool.Parse(Get("train", "true")),
                map.TryGetValue("api-pid", out var pid) ? int.Parse(pid, CultureInfo.InvariantCulture) : null);
        }
    }

    /// <summary>CPU seconds of the API process, of this process, and of the whole machine (Linux /proc), to tell whose the cores were.</summary>
    internal static class Cpu
    {
        public sealed record Sample(double Api, double Bench, double MachineBusy, double MachineTotal);

        private static double Ticks => 100.0; // USER_HZ on Linux

        public static Sample Read(int? apiPid)
        {
            double api = 0, busy = 0, total = 0;
            try
            {
                if (apiPid is { } pid)
                {
                    var fields = File.ReadAllText($"/proc/{pid}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    api = (double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture)) / Ticks; // utime, stime
                }
                var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(f => double.Parse(f, CultureInfo.InvariantCulture)).ToArray();
                total = cpu.Sum() / Ticks;
                busy = total - (cpu[3] + cpu[4]) / Ticks; // less idle and iowait
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException) { }
            return new Sample(api, System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds, busy, total);
        }

        public static string Describe(Sample before, Sample after, TimeSpan elapsed)
        {
            var seconds = elapsed.TotalSeconds;
            var api = after.Api - before.Api;
            var bench = after.Bench - before.Bench;
            var busy = after.MachineBusy - before.MachineBusy;
            return string.Create(CultureInfo.InvariantCulture,
                $"cpu: {Environment.ProcessorCount} cores; API {api / seconds:0.00} cores, this load generator {bench / seconds:0.00}, everything else on the machine {Math.Max(0, busy - api - bench) / seconds:0.00} " +
                $"(machine busy {busy / (after.MachineTotal - before.MachineTotal) * 100:0}%)");
        }
    }

    internal static class Metrics
    {
        /// <summary>One sample's value from the Prometheus text on /metrics (0 when absent).</summary>
        public static async Task<double> ReadAsync(HttpClient http, string name)
        {
            var text = await http.GetStringAsync("/metrics");
            foreach (var line in text.Split('\n'))
                if (line.StartsWith(name + " ", StringComparison.Ordinal))
                    return double.Parse(line[(name.Length + 1)..], CultureInfo.InvariantCulture);
            return 0;
        }
    }
}
