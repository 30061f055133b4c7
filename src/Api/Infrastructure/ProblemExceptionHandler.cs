using GanService.Domain.Jobs;
using GanService.Domain.Storage;
using Microsoft.AspNetCore.Diagnostics;

namespace GanService.Api.Infrastructure;

/// Turns exceptions that stand for a bad request into ProblemDetails with their status code
/// (413 for a body over the limits, 400 for a malformed one), an unreachable database or blob store into a 503 with
/// Retry-After (the client's retry mends it once the service is back), a full disk (blobs or the SQLite file) into a 507;
/// the rest become a plain 500 that says nothing of the exception.
public sealed class ProblemExceptionHandler(IProblemDetailsService problemDetails, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var (status, detail) = exception switch
        {
            BadHttpRequestException bad => (bad.StatusCode, bad.Message),
            // Thrown by the form reader when a multipart limit is passed.
            InvalidDataException invalid when invalid.Message.Contains("limit", StringComparison.OrdinalIgnoreCase)
                => (StatusCodes.Status413PayloadTooLarge, invalid.Message),
            // Before IsUnavailable: a full disk is not mended by a retry a few seconds later, and says so.
            _ when StorageFaults.IsDiskFull(exception) => (StatusCodes.Status507InsufficientStorage,
                "The server's disk is full, so this upload (or change) was not stored; what was stored before is intact. " +
                "Try again once an administrator has freed space."),
            // A checkpoint whose blob is not what was written: ask for another one.
            CorruptCheckpointException corrupt => (StatusCodes.Status409Conflict, corrupt.Message),
            _ when IsUnavailable(exception) => (StatusCodes.Status503ServiceUnavailable,
                "The database or the storage cannot be reached just now; nothing was changed by this request that will not be retried. Try again shortly."),
            _ => (StatusCodes.Status500InternalServerError, "An unexpected error occurred. It has been logged."),
        };
        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            context.Response.Headers.RetryAfter = RetryAfterSeconds;
            logger.LogWarning(exception, "A dependency is unreachable on {Method} {Path}", context.Request.Method, context.Request.Path);
        }
        else if (status == StatusCodes.Status507InsufficientStorage)
            logger.LogError(exception, "The disk is full on {Method} {Path}", context.Request.Method, context.Request.Path);
        else if (status >= StatusCodes.Status500InternalServerError)
            logger.LogError(exception, "Unhandled exception on {Method} {Path}", context.Request.Method, context.Request.Path);
        context.Response.StatusCode = status;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            // ASP.NET Core has no default title for 507.
            ProblemDetails = { Status = status, Detail = detail, Title = status == StatusCodes.Status507InsufficientStorage ? "Insufficient Storage" : null },
        });
    }

    private const string RetryAfterSeconds = "5";

    /// <summary>A dependency that a retry can reach again: the database or the S3 store (see <see cref="TransientFaults"/>).</summary>
    private static bool IsUnavailable(Exception exception) => TransientFaults.IsTransient(exception);
}
