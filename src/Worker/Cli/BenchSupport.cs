using System.Diagnostics;

namespace GanService.Worker.Cli;

/// <summary>What the bench commands share: default data sets and median timings.</summary>
internal static class BenchSupport
{
    /// <summary>The folder of <c>--option</c>, by default <c>../shared/datasets/DATASET</c> next to the repository.</summary>
    public static string DatasetDirectory(CommandArguments arguments, string option, string dataset) =>
        arguments.ExistingDirectory(
            option,
            RepositoryPaths.SharedDataset(dataset),
            $"--{option} is required outside a GanService checkout (the default is ../shared/datasets/{dataset} next to the repository)");

    /// <summary>Runs once to warm up (JIT, thread pool), then <paramref name="runs"/> timed times.</summary>
    public static double MedianMilliseconds(int runs, Action work)
    {
        work();
        var times = new double[runs];
        for (var i = 0; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            work();
            times[i] = watch.Elapsed.TotalMilliseconds;
        }

        Array.Sort(times);
        return runs % 2 == 1 ? times[runs / 2] : (times[(runs / 2) - 1] + times[runs / 2]) / 2;
    }
}
