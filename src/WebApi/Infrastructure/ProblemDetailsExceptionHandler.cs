using System.Data.Common;
using System.Diagnostics;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Migration.Application.Common;
using Migration.Domain;
using Migration.Infrastructure.Data;

namespace Migration.WebApi.Infrastructure;

/// <summary>Turns every exception that reaches the pipeline into ProblemDetails, in every environment.</summary>
internal sealed partial class ProblemDetailsExceptionHandler(
    IProblemDetailsService problemDetails, DatabaseTimeoutTracker timeouts, ILogger<ProblemDetailsExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is WriteFailedException failed)
        {
            // Readiness follows a side whose writes time out.
            timeouts.Record(failed.Side.ToWire(), failed);
        }

        ProblemDetails problem = exception switch
        {
            ValidationException v => ValidationProblems.Create(httpContext, v.Errors),
            ConflictException c => WithExtensions(
                new ProblemDetails { Status = StatusCodes.Status409Conflict, Title = "Conflict", Detail = c.Message }, c.Details),
            TableShapeException t => WithExtensions(
                new ProblemDetails { Status = StatusCodes.Status409Conflict, Title = "A configured table cannot be compared.", Detail = t.Message },
                new Dictionary<string, object?>
                {
                    ["table"] = t.Problems[0].Table,
                    ["column"] = t.Problems[0].Column,
                    ["problems"] = t.Problems.Select(p => new { p.Table, p.Column, p.Problem }).ToArray(),
                }),
            NotFoundException n => new ProblemDetails { Status = StatusCodes.Status404NotFound, Title = "Not found", Detail = n.Message },
            // The database's own words (table names, SQL, server details) go to the log under the trace id, not to the caller.
            WriteFailedException w => WithExtensions(
                new ProblemDetails
                {
                    Status = StatusCodes.Status503ServiceUnavailable,
                    Title = w.PrimaryCommitted ? "The write reached the primary side only." : "The write failed; nothing was written.",
                    Detail = w.PrimaryCommitted
                        ? $"The write is committed on the primary side, but its copy to {w.Side.ToWire()} failed; the repair (or the next validation run) copies the rows. The service log has the cause under the trace id."
                        : $"The write failed on {w.Side.ToWire()}, the primary side; nothing was written. Retry later; the service log has the cause under the trace id.",
                },
                new Dictionary<string, object?> { ["side"] = w.Side.ToWire(), ["primaryCommitted"] = w.PrimaryCommitted, ["rows"] = w.Rows }),
            not OperationCanceledException when FromDatabase(exception) => new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "A database did not answer as expected.",
                Detail = "Retry later; the service log has the cause under the trace id.",
            },
            BadHttpRequestException b => new ProblemDetails { Status = b.StatusCode, Title = "Bad request", Detail = b.Message },
            OperationCanceledException when httpContext.RequestAborted.IsCancellationRequested =>
                new ProblemDetails { Status = 499, Title = "Client closed the request" },
            _ => new ProblemDetails
            {
                Status = StatusCodes.Status500InternalServerError,
                Title = "An unexpected error occurred.",
                Detail = "See the service log for the trace id below.",
            },
        };

        var traceId = Activity.Current?.Id ?? httpContext.TraceIdentifier;
        problem.Extensions["traceId"] = traceId;
        if (problem.Status == StatusCodes.Status503ServiceUnavailable)
        {
            // The double writer has logged a failed write with its stack already.
            LogUnavailable(
                exception is WriteFailedException ? null : exception, httpContext.Request.Method, httpContext.Request.Path, traceId,
                exception.GetBaseException().Message);
        }
        else if (problem.Status >= 500)
        {
            LogUnhandled(exception, httpContext.Request.Method, httpContext.Request.Path, traceId);
        }

        httpContext.Response.StatusCode = problem.Status!.Value;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = problem,
            Exception = exception,
        });
    }

    private static ProblemDetails WithExtensions(ProblemDetails problem, IReadOnlyDictionary<string, object?> extensions)
    {
        foreach (var (key, value) in extensions)
        {
            problem.Extensions[key] = value;
        }

        return problem;
    }

    /// <summary>A database error anywhere in the chain: EF Core wraps the driver's in its own exceptions.</summary>
    private static bool FromDatabase(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is DbException)
            {
                return true;
            }
        }

        return false;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception for {Method} {Path} (trace id {TraceId})")]
    private partial void LogUnhandled(Exception exception, string method, string path, string traceId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path} answered 503 (trace id {TraceId}): {Reason}")]
    private partial void LogUnavailable(Exception? exception, string method, string path, string traceId, string reason);
}
