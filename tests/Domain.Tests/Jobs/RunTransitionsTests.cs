using GanService.Domain.Data;
using GanService.Domain.Jobs;

namespace GanService.Domain.Tests.Jobs;

/// The table of a run's moves: what it allows, what it forbids, and that the database filter says the same.
public sealed class RunTransitionsTests
{
    private static readonly RunStatus[] Statuses = Enum.GetValues<RunStatus>();

    [Fact]
    public void A_terminal_run_never_moves_again()
    {
        foreach (var terminal in Statuses.Where(s => s.IsTerminal()))
            Assert.DoesNotContain(RunTransitions.All, t => t.From == terminal);
        Assert.Equal([RunStatus.Completed, RunStatus.Failed, RunStatus.Cancelled], Statuses.Where(s => s.IsTerminal()));
    }

    [Fact]
    public void Every_status_is_reachable_from_admission_and_every_live_one_can_end()
    {
        var reached = new HashSet<RunStatus>(RunTransitions.All.Where(t => t.From is null).Select(t => t.To));
        for (var grew = true; grew;)
            grew = RunTransitions.All.Where(t => t.From is { } from && reached.Contains(from)).Select(t => t.To).ToList().Aggregate(false, (any, to) => reached.Add(to) | any);
        Assert.Equal(Statuses.ToHashSet(), reached);
        foreach (var live in Statuses.Where(s => !s.IsTerminal()))
            Assert.True(RunTransitions.Allows(RunTransition.Cancel, live), $"{live} cannot be cancelled");
    }

    [Theory]
    [InlineData(RunTransition.Complete, RunStatus.Queued)]
    [InlineData(RunTransition.Complete, RunStatus.Pending)]
    [InlineData(RunTransition.Fail, RunStatus.Queued)]
    [InlineData(RunTransition.Promote, RunStatus.Queued)]
    [InlineData(RunTransition.Claim, RunStatus.Pending)]
    [InlineData(RunTransition.Yield, RunStatus.Queued)]
    [InlineData(RunTransition.Pause, RunStatus.Pending)]
    [InlineData(RunTransition.Cancel, RunStatus.Completed)]
    [InlineData(RunTransition.Claim, RunStatus.Cancelled)]
    public void Moves_the_table_does_not_list_are_refused(RunTransition transition, RunStatus from)
    {
        Assert.False(RunTransitions.Allows(transition, from));
        Assert.Null(RunTransitions.Target(transition, from));
    }

    [Fact]
    public void The_database_filter_of_each_transition_admits_exactly_the_statuses_it_may_start_from()
    {
        foreach (var transition in Enum.GetValues<RunTransition>())
        {
            var permits = RunTransitions.Permits(transition).Compile();
            foreach (var status in Statuses)
                Assert.Equal(RunTransitions.Allows(transition, status), permits(new Run { Name = "r", Preset = "p", ConfigJson = "{}", Status = status }));
        }
    }

    [Fact]
    public void The_wire_spelling_round_trips_and_is_lowercase()
    {
        foreach (var status in Statuses)
        {
            Assert.Equal(status, RunStatuses.Parse(status.ToWire()));
            Assert.Equal(status.ToString().ToLowerInvariant(), status.ToWire());
            Assert.Equal($"\"{status.ToWire()}\"", System.Text.Json.JsonSerializer.Serialize(status));
        }
        Assert.Throws<FormatException>(() => RunStatuses.Parse("Running"));
    }
}
