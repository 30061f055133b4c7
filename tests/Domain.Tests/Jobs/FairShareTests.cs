using GanService.Domain.Data;
using GanService.Domain.Jobs;

namespace GanService.Domain.Tests.Jobs;

public sealed class FairShareTests
{
    private static readonly DateTime T0 = new(2026, 12, 3, 12, 0, 0, DateTimeKind.Utc);
    private static readonly Guid Alice = Guid.NewGuid(), Bob = Guid.NewGuid(), Carol = Guid.NewGuid();

    private static FairShare.Candidate Queued(string name, Guid owner, int minute) =>
        new(NameId(name), owner, RunStatus.Queued, T0.AddMinutes(minute), T0.AddMinutes(minute), 0);

    private static Guid NameId(string name) => new(System.Security.Cryptography.MD5.HashData(System.Text.Encoding.UTF8.GetBytes(name)));

    private static string[] Names(IEnumerable<FairShare.Candidate> order, params string[] names) =>
        [.. order.Select(c => names.Single(n => NameId(n) == c.RunId))];

    private static readonly string[] All = ["a1", "a2", "a3", "b1", "c1", "b2"];

    [Fact]
    public void The_user_with_least_recent_training_goes_first_and_each_users_runs_go_oldest_first()
    {
        var candidates = new[] { Queued("a2", Alice, 1), Queued("a3", Alice, 2), Queued("b1", Bob, 3), Queued("c1", Carol, 4), Queued("b2", Bob, 5) };
        // Alice trained ten minutes, Bob and Carol nothing: theirs go first, the one queued earlier first on a tie.
        Assert.Equal(["b1", "c1", "b2", "a2", "a3"], Names(FairShare.Order(candidates, new Dictionary<Guid, double> { [Alice] = 600 }), All));
        // Once Bob's and Carol's first runs have had half a minute each, Bob's second still goes before Alice's.
        var later = candidates.Where(c => c.RunId != NameId("b1") && c.RunId != NameId("c1"));
        Assert.Equal(["b2", "a2", "a3"], Names(FairShare.Order(later, new Dictionary<Guid, double> { [Alice] = 600, [Bob] = 30, [Carol] = 30 }), All));
    }

    [Fact]
    public void A_run_whose_worker_died_mid_turn_resumes_before_any_queued_run()
    {
        var orphan = new FairShare.Candidate(NameId("a1"), Alice, RunStatus.Running, T0.AddMinutes(9), T0.AddMinutes(9), 3);
        var order = FairShare.Order([Queued("b1", Bob, 0), orphan], new Dictionary<Guid, double> { [Alice] = 6000 });
        Assert.Equal(["a1", "b1"], Names(order, All));
    }

    [Fact]
    public void Training_time_counts_half_after_one_half_life()
    {
        var scheduling = new SchedulingSettings { FairShareHalfLifeHours = 12 };
        Assert.Equal(300, FairShare.Decayed(600, T0, T0.AddHours(12), scheduling), 6);
        Assert.Equal(600, FairShare.Decayed(600, T0, T0, scheduling), 6);
        Assert.Equal(600, FairShare.Decayed(600, null, T0, scheduling), 6);
    }
}
