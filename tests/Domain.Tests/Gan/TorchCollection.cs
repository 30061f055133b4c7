namespace GanService.Domain.Tests.Gan;

/// <summary>
/// Tests that use libtorch share its global random generator (manual_seed) and thread pool, so they run one at a
/// time: seeded results are then reproducible (xUnit otherwise runs test classes in parallel).
/// </summary>
[CollectionDefinition(Name)]
public sealed class TorchCollection
{
    public const string Name = "torch";
}
