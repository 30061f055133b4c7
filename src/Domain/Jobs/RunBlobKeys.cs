namespace GanService.Domain.Jobs;

/// <summary>
/// Blob keys of a run. Checkpoints live under immutable keys (one per iteration, never rewritten: a replay after a
/// crash finds the key taken and keeps the first); sample grids have deterministic keys, so a replay overwrites them.
/// </summary>
public static class RunBlobKeys
{
    public static string Prefix(Guid runId) => $"runs/{runId:N}/";

    public static string Checkpoint(Guid runId, long iteration) => $"runs/{runId:N}/ckpt/{iteration:D9}";

    public static string Sample(Guid runId, long iteration) => $"runs/{runId:N}/samples/{iteration:D9}.png";
}
