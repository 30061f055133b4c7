using System.Net;
using System.Net.Sockets;
using Amazon.S3;
using GanService.Domain.Jobs;
using Microsoft.Extensions.Logging.Abstractions;

namespace GanService.Domain.Tests.Jobs;

public sealed class TransientFaultsTests
{
    public static TheoryData<string, Exception, FaultSource?> Faults => new()
    {
        { "S3 503 SlowDown", new AmazonS3Exception("slow down", Amazon.Runtime.ErrorType.Sender, "SlowDown", "r", HttpStatusCode.ServiceUnavailable), FaultSource.Storage },
        { "S3 500", new AmazonS3Exception("internal", Amazon.Runtime.ErrorType.Receiver, "InternalError", "r", HttpStatusCode.InternalServerError), FaultSource.Storage },
        { "S3 403", new AmazonS3Exception("denied", Amazon.Runtime.ErrorType.Sender, "AccessDenied", "r", HttpStatusCode.Forbidden), null },
        { "S3 404", new AmazonS3Exception("no key", Amazon.Runtime.ErrorType.Sender, "NoSuchKey", "r", HttpStatusCode.NotFound), null },
        { "refused", new HttpRequestException("refused", new SocketException((int)SocketError.ConnectionRefused)), FaultSource.Storage },
        { "timeout", new TaskCanceledException("timed out", new TimeoutException()), FaultSource.Storage },
        { "dropped", new IOException("reset", new SocketException((int)SocketError.ConnectionReset)), FaultSource.Storage },
        { "disk full", new IOException("No space left on device", 28), FaultSource.Storage },
        { "file missing", new FileNotFoundException("gone"), null },
        { "plain IO", new IOException("refused to delete"), null },
        { "postgres down", new Npgsql.NpgsqlException("connect", new SocketException((int)SocketError.ConnectionRefused)), FaultSource.Database },
        { "admin shutdown", new Npgsql.PostgresException("terminating connection due to administrator command", "FATAL", "FATAL", "57P01"), FaultSource.Database },
        { "starting up", new Npgsql.PostgresException("the database system is starting up", "FATAL", "FATAL", "57P03"), FaultSource.Database },
        { "unique violation", new Npgsql.PostgresException("duplicate key", "ERROR", "ERROR", "23505"), null },
        { "sqlite busy", new Microsoft.Data.Sqlite.SqliteException("database is locked", 5), FaultSource.Database },
        { "wrapped in EF", new InvalidOperationException("An exception was thrown", new Npgsql.NpgsqlException("broken", new IOException("eof"))), FaultSource.Database },
        { "bad data", new InvalidOperationException("image x is missing from storage"), null },
        { "cancel", new OperationCanceledException(), null },
        { "corrupt checkpoint", new CorruptCheckpointException("mismatch"), null },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public void Each_fault_is_classified_once_for_all(string name, Exception exception, FaultSource? expected)
    {
        var fault = TransientFaults.Classify(exception);
        Assert.True(expected == fault?.Source, $"{name}: {fault}");
        if (fault is not null) Assert.DoesNotContain("Exception", fault.WaitingReason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_reason_says_what_the_run_waits_for_in_plain_words()
    {
        var storage = TransientFaults.Classify(new HttpRequestException("x", new SocketException((int)SocketError.ConnectionRefused)))!;
        Assert.Equal("Waiting for storage: connection refused", storage.WaitingReason);
        var database = TransientFaults.Classify(new Npgsql.PostgresException("terminating", "FATAL", "FATAL", "57P01"))!;
        Assert.Equal("Waiting for the database: the server is restarting", database.WaitingReason);
    }

    [Fact]
    public async Task Retry_tries_a_transient_fault_again_and_gives_up_after_its_time()
    {
        // A generous budget for the flaky case: its two waits (0.5 s, 1 s) must fit even on a busy CI machine.
        var patient = new TransientRetry(new FaultSettings { RetrySeconds = 30 }, TimeProvider.System, NullLogger.Instance);
        var tries = 0;
        Assert.Equal(3, await patient.RunAsync("flaky", () => ++tries < 3 ? throw new HttpRequestException("down") : Task.FromResult(tries)));

        var retry = new TransientRetry(new FaultSettings { RetrySeconds = 2 }, TimeProvider.System, NullLogger.Instance);

        tries = 0;
        await Assert.ThrowsAsync<HttpRequestException>(() => retry.RunAsync("down", () => { tries++; throw new HttpRequestException("down"); }));
        Assert.InRange(tries, 2, 4); // 0.5 s, 1 s, then the next wait would pass 2 s

        tries = 0;
        await Assert.ThrowsAsync<InvalidDataException>(() => retry.RunAsync("bad", () => { tries++; throw new InvalidDataException("bad"); }));
        Assert.Equal(1, tries); // no retry can mend it
    }

    [Fact]
    public void The_pause_grows_with_the_wait_between_its_bounds()
    {
        var settings = new FaultSettings { PauseSeconds = 15, MaxPauseSeconds = 120 };
        var now = new DateTime(2026, 12, 3, 12, 0, 0, DateTimeKind.Utc);
        Assert.Equal(TimeSpan.FromSeconds(15), settings.PauseAfter(null, now));
        Assert.Equal(TimeSpan.FromSeconds(60), settings.PauseAfter(now.AddMinutes(-2), now));
        Assert.Equal(TimeSpan.FromSeconds(120), settings.PauseAfter(now.AddHours(-1), now));
    }
}
