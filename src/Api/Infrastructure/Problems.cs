using GanService.Domain.Jobs;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GanService.Api.Infrastructure;

/// ProblemDetails (RFC 9457) for the answers handlers give themselves; type and title follow the status.
public static class Problems
{
    public static ProblemHttpResult Of(int status, string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(detail: detail, statusCode: status, extensions: extensions);

    /// Also what another user's resource gives: its existence is not revealed.
    public static ProblemHttpResult NotFound(string what) => Of(StatusCodes.Status404NotFound, $"No such {what}.");

    /// A run the lifecycle will not admit: 403 when the account may not train, 429 when too many of its runs wait.
    public static ProblemHttpResult Refused(AdmissionRefusal refusal) => refusal.Kind switch
    {
        AdmissionRefusal.Reason.NotAllowed => Of(StatusCodes.Status403Forbidden, refusal.Detail),
        _ => Of(StatusCodes.Status429TooManyRequests, refusal.Detail, new Dictionary<string, object?> { ["retryAfterSeconds"] = refusal.RetryAfterSeconds }),
    };

    public static ProblemHttpResult BadRequest(string detail, IDictionary<string, object?>? extensions = null) =>
        Of(StatusCodes.Status400BadRequest, detail, extensions);
}
