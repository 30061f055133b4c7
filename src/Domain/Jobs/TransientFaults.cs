using System.Data.Common;
using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;

namespace GanService.Domain.Jobs;

/// <summary>The dependency a transient fault is of: what a paused run waits for.</summary>
public enum FaultSource
{
    Storage,
    Database,
}

/// <summary>A fault that a later try can mend, with a short plain reason for the user.</summary>
public sealed record TransientFault(FaultSource Source, string Reason)
{
    /// <summary>What the run shows while it waits in the queue (<c>waitingReason</c>).</summary>
    public string WaitingReason => Source == FaultSource.Database ? $"Waiting for the database: {Reason}" : $"Waiting for storage: {Reason}";
}

/// <summary>
/// The one place that tells a fault a retry can mend (an S3 5xx or SlowDown, a refused or dropped connection, a
/// timeout, a PostgreSQL shutdown or restart, a busy SQLite file, a full disk) from one it cannot (bad data, a missing
/// blob, a constraint, a corrupt checkpoint). Training pauses a run on the first kind and fails it on the second; the
/// API answers 503 with Retry-After on the first.
/// </summary>
public static class TransientFaults
{
    public static bool IsTransient(Exception exception) => Classify(exception) is not null;

    /// <summary>The transient fault in <paramref name="exception"/> or its inner exceptions; null when none is.</summary>
    public static TransientFault? Classify(Exception? exception)
    {
        // Space can be freed, so a full disk is waited out; which errors mean a full disk is the storage's to say.
        if (exception is not null && Storage.StorageFaults.IsDiskFull(exception))
            return new TransientFault(exception is IOException ? FaultSource.Storage : FaultSource.Database, "the disk is full");
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case OperationCanceledException and not TaskCanceledException { InnerException: TimeoutException }:
                    return null; // a cancel is the caller's decision, not a fault
                case AggregateException aggregate:
                    return aggregate.InnerExceptions.Select(Classify).FirstOrDefault(f => f is not null);
                case Npgsql.PostgresException postgres:
                    return IsTransientSqlState(postgres.SqlState)
                        ? new TransientFault(FaultSource.Database, postgres.SqlState.StartsWith("57P", StringComparison.Ordinal) ? "the server is restarting" : postgres.MessageText)
                        : null; // an answer from a live server: a constraint, a syntax error, a missing table
                case Npgsql.NpgsqlException npgsql:
                    // Not a PostgresException: the client could not reach the server or lost the connection.
                    return new TransientFault(FaultSource.Database, Plain(npgsql.InnerException) ?? "the server cannot be reached");
                case Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 5 or 6 }: // SQLITE_BUSY, SQLITE_LOCKED
                    return new TransientFault(FaultSource.Database, "the database file is busy");
                case DbException { IsTransient: true } db:
                    return new TransientFault(FaultSource.Database, db.Message);
                case AmazonServiceException service when IsTransientS3(service):
                    return new TransientFault(FaultSource.Storage, service.StatusCode == 0
                        ? Plain(service.InnerException) ?? "no answer"
                        : $"the storage server answered {(int)service.StatusCode} {service.ErrorCode}".TrimEnd());
                case AmazonServiceException { StatusCode: not 0 }:
                    return null; // 403, 404, 400: a try again gets the same answer
                case HttpRequestException or SocketException or TimeoutException:
                    return new TransientFault(FaultSource.Storage, Plain(e)!);
                case IOException io when io is not FileNotFoundException and not DirectoryNotFoundException
                                         && (io.InnerException is SocketException || io.GetType().Name == "HttpIOException"):
                    return new TransientFault(FaultSource.Storage, Plain(io.InnerException) ?? "the connection was dropped");
            }
        }
        return null;
    }

    // 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now, 53300 too_many_connections,
    // 40001 serialization_failure, 40P01 deadlock_detected, class 08 connection exceptions.
    private static bool IsTransientSqlState(string state) =>
        state is "57P01" or "57P02" or "57P03" or "53300" or "40001" or "40P01" || state.StartsWith("08", StringComparison.Ordinal);

    private static bool IsTransientS3(AmazonServiceException service) =>
        service.StatusCode is 0 or >= HttpStatusCode.InternalServerError or HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout
        || service.ErrorCode is "SlowDown" or "ServiceUnavailable" or "RequestTimeout" or "InternalError" or "ThrottlingException";

    /// <summary>A few words about a connection fault, without stack or type names.</summary>
    private static string? Plain(Exception? exception) => exception switch
    {
        null => null,
        SocketException { SocketErrorCode: SocketError.ConnectionRefused } => "connection refused",
        SocketException { SocketErrorCode: SocketError.TimedOut } => "connection timed out",
        SocketException { SocketErrorCode: SocketError.ConnectionReset } => "connection reset",
        SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.TryAgain } => "host not found",
        SocketException socket => socket.Message,
        TimeoutException => "no answer in time",
        HttpRequestException { InnerException: { } inner } => Plain(inner),
        IOException { InnerException: { } inner } => Plain(inner),
        _ => exception.Message,
    };
}
