using Microsoft.AspNetCore.Diagnostics;

namespace GanService.Api.Infrastructure;

/// Turns exceptions that stand for a bad request into ProblemDetails with their status code
/// (413 for a body over the limits, 400 for a malformed one); the rest become a plain 500.
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
            _ => (StatusCodes.Status500InternalServerError, "An unexpected error occurred. It has been logged."),
        };
        if (status >= StatusCodes.Status500InternalServerError)
            logger.LogError(exception, "Unhandled exception on {Method} {Path}", context.Request.Method, context.Request.Path);
        context.Response.StatusCode = status;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = { Status = status, Detail = detail },
        });
    }
}
