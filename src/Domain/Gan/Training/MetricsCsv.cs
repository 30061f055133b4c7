using System.Globalization;
using System.Text;
using GanService.Domain.Data;

namespace GanService.Domain.Gan.Training;

/// <summary>
/// One row of a run's metrics: a logging interval's averages (losses, D outputs, augmentation p) or an evaluation
/// (SWD x 1e3 and its real floor, diversity, nearest-neighbour ratio). The Runs API serves these rows as JSON, and
/// both the API and the command line write them with <see cref="MetricsCsv"/>.
/// </summary>
public sealed record MetricRow(
    long Iteration, double Seconds, double? LossD, double? LossG, double? DReal, double? DFake, double? AugmentP,
    double? Swd, double? SwdRealFloor, double? Diversity, double? RealDiversity, double? NearestNeighbour)
{
    /// <summary>A logging interval; a non-finite loss (a diverged step) is stored as missing.</summary>
    public static MetricRow From(TrainingProgress progress, double seconds)
    {
        ArgumentNullException.ThrowIfNull(progress);
        return new(progress.Iteration, seconds, Finite(progress.LossD), Finite(progress.LossG), progress.DReal, progress.DFake,
            progress.AugmentP, null, null, null, null, null);
    }

    /// <summary>An evaluation; a figure that a set this small cannot give (NaN, e.g. the nearest-neighbour ratio of 3 images) is missing.</summary>
    public static MetricRow From(EvaluationResult evaluation, double seconds)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        return new(evaluation.Iteration, seconds, null, null, null, null, null,
            Finite(evaluation.Swd), Finite(evaluation.SwdRealFloor), Finite(evaluation.Diversity), Finite(evaluation.RealDiversity), Finite(evaluation.NnRatio));
    }

    /// <summary>A stored row (the API reads these back).</summary>
    public static MetricRow From(RunMetric metric)
    {
        ArgumentNullException.ThrowIfNull(metric);
        return new(metric.Iteration, metric.Seconds, metric.LossD, metric.LossG, metric.DReal, metric.DFake, metric.AugmentP,
            metric.Swd, metric.SwdRealFloor, metric.Diversity, metric.RealDiversity, metric.NearestNeighbourRatio);
    }

    /// <summary>This row as a database row of <paramref name="runId"/>, written by <paramref name="attempt"/>.</summary>
    public RunMetric ToEntity(Guid runId, int attempt) => new()
    {
        RunId = runId, Iteration = Iteration, Attempt = attempt, Seconds = Seconds,
        LossD = LossD, LossG = LossG, DReal = DReal, DFake = DFake, AugmentP = AugmentP,
        Swd = Swd, SwdRealFloor = SwdRealFloor, Diversity = Diversity, RealDiversity = RealDiversity, NearestNeighbourRatio = NearestNeighbour,
    };

    public static double? Finite(double value) => double.IsFinite(value) ? value : null;
}

/// <summary>
/// The metrics CSV, the one format of <c>GET /api/runs/{id}/metrics?format=csv</c> and of the command line's
/// metrics.csv: the API's column names (a public contract), invariant culture, G6 numbers, empty cells for missing values.
/// </summary>
public static class MetricsCsv
{
    public const string Header = "iteration,seconds,lossD,lossG,dReal,dFake,augmentP,swd,swdRealFloor,diversity,realDiversity,nearestNeighbour";

    public static string Line(MetricRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        static string F(double? v) => v?.ToString("G6", CultureInfo.InvariantCulture) ?? "";
        return string.Join(',', row.Iteration.ToString(CultureInfo.InvariantCulture), F(row.Seconds), F(row.LossD), F(row.LossG),
            F(row.DReal), F(row.DFake), F(row.AugmentP), F(row.Swd), F(row.SwdRealFloor), F(row.Diversity), F(row.RealDiversity),
            F(row.NearestNeighbour));
    }

    /// <summary>The header and one line per row, each ending in '\n'.</summary>
    public static string Write(IEnumerable<MetricRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var csv = new StringBuilder(Header).Append('\n');
        foreach (var row in rows)
            csv.Append(Line(row)).Append('\n');
        return csv.ToString();
    }

    /// <summary>The iteration a data line is about (its first cell), or null for the header or a malformed line.</summary>
    public static long? IterationOf(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var comma = line.IndexOf(',', StringComparison.Ordinal);
        return long.TryParse(comma < 0 ? line : line[..comma], NumberStyles.Integer, CultureInfo.InvariantCulture, out var iteration) ? iteration : null;
    }
}
