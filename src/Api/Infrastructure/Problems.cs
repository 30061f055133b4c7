using Microsoft.AspNetCore.Http.HttpResults;

namespace GanService.Api.Infrastructure;

/// ProblemDetails (RFC 9457) for the answers handlers give themselves; type and title follow the status.
public static class Problems
{
    public static ProblemHttpResult Of(int status, string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(detail: detail, statusCode: status, extensions: extensions);

    /// Also what another user's resource gives: its existence is not revealed.
    public static ProblemHttpResult NotFound(string what) => Of(StatusCodes.Status404NotFound, $"No such {what}.");

    public static ProblemHttpResult BadRequest(string detail, IDictionary<string, object?>? extensions = null) =>
        Of(StatusCodes.Status400BadRequest, detail, extensions);
}
