using System.Text;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc.Formatters;
using Migration.Application;
using Migration.Infrastructure;
using Migration.Infrastructure.Observability;
using Migration.WebApi.Cli;
using Migration.WebApi.Infrastructure;
using Migration.WebApi.Security;

if (args is [ValidateCommand.Name, ..])
{
    return await ValidateCommand.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(args);
builder.RemoveServerHeader();
builder.Services.AddApiConventions();

builder.Services.AddApplication();
builder.Services.AddInfrastructure(builder.Configuration);

builder.Services.AddApiKeySecurity(builder.Configuration);
builder.Services.AddControllers(mvc =>
    {
        mvc.SuppressImplicitRequiredAttributeForNonNullableReferenceTypes = true;
        mvc.Conventions.Add(new RequireAuthorizationConvention());
        mvc.Filters.Add<SingleQueryValueFilter>();
        // JSON is UTF-8 (RFC 8259 §8.1). MVC also reads charset=utf-16, with a decoder that throws on an odd byte
        // count, which no formatter catches (a 500); without it, any charset but UTF-8 is a 415.
        foreach (var json in mvc.InputFormatters.OfType<SystemTextJsonInputFormatter>())
        {
            foreach (var encoding in json.SupportedEncodings.Where(e => e.CodePage != Encoding.UTF8.CodePage).ToList())
            {
                json.SupportedEncodings.Remove(encoding);
            }
        }
    })
    .AddJsonOptions(json =>
    {
        // A misspelt field ("intervall") is an error, not a silently missing value.
        json.JsonSerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        json.JsonSerializerOptions.NumberHandling = JsonNumberHandling.Strict;
    })
    .ConfigureApiBehaviorOptions(api => api.InvalidModelStateResponseFactory = ModelStateProblems.Create);
builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<ProblemDetailsExceptionHandler>();
builder.Services.AddSwagger();
builder.Services.AddTelemetry(builder.Configuration);
builder.Services.AddGracefulShutdown();

var app = builder.Build();
if (await StartupFailure.PreflightAsync(app) is { } failed)
{
    return failed;
}

app.UseSecurityHeaders();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseRequestBodyLimit();
app.UseDashboard();
app.UseSwagger();
app.UseSwaggerUI();
app.UseAuthentication();
app.UseAuthorization();
app.MapControllers();
app.MapHealthEndpoints();
app.MapPrometheusScrapingEndpoint("/metrics").RequireAuthorization(Policies.Read);
app.Services.GetRequiredService<MigrationMetrics>();
app.Lifetime.ApplicationStarted.Register(() =>
{
    foreach (var address in app.Urls)
    {
        app.Logger.LogInformation("Swagger UI: {Address}/swagger", address);
    }
});

return await app.RunUntilStoppedAsync();

/// <summary>The entry point, visible to the integration tests' host.</summary>
public partial class Program;
