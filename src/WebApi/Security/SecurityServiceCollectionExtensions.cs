using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Microsoft.Net.Http.Headers;

namespace Migration.WebApi.Security;

internal static class SecurityServiceCollectionExtensions
{
    private const string ApiKeyOrBearer = "ApiKeyOrBearer";

    /// <summary>
    /// API-key authentication, JWT bearer when configured, and the policies; prints a generated key once when
    /// neither keys nor JWT are configured.
    /// </summary>
    public static IServiceCollection AddApiKeySecurity(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(AuthOptions.SectionName);
        services.AddOptions<AuthOptions>().Bind(section)
            .Validate(auth => auth.Jwt.ClockSkewSeconds is >= 0 and <= 3_600, "Auth:Jwt:ClockSkewSeconds must be between 0 and 3600.")
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        services.AddSingleton<ApiKeyStore>();
        var jwt = section.GetSection(nameof(AuthOptions.Jwt)).Get<JwtOptions>() ?? new JwtOptions();

        // One default scheme that picks the handler by what the request carries.
        var authentication = services.AddAuthentication(ApiKeyOrBearer)
            .AddPolicyScheme(ApiKeyOrBearer, "API key or bearer token", scheme => scheme.ForwardDefaultSelector = context =>
                jwt.Enabled && context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                    ? JwtBearerDefaults.AuthenticationScheme
                    : ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        if (jwt.Enabled)
        {
            authentication.AddJwtBearer(bearer =>
            {
                bearer.MapInboundClaims = false;
                bearer.Authority = string.IsNullOrWhiteSpace(jwt.Authority) ? null : jwt.Authority;
                bearer.TokenValidationParameters = new TokenValidationParameters
                {
                    RoleClaimType = "role",
                    NameClaimType = "sub",
                    ValidateIssuer = !string.IsNullOrWhiteSpace(jwt.Issuer),
                    ValidIssuer = jwt.Issuer,
                    ValidateAudience = !string.IsNullOrWhiteSpace(jwt.Audience),
                    ValidAudience = jwt.Audience,
                    IssuerSigningKey = string.IsNullOrWhiteSpace(jwt.SigningKey) ? null : new SymmetricSecurityKey(Encoding.UTF8.GetBytes(jwt.SigningKey)),
                    ClockSkew = TimeSpan.FromSeconds(jwt.ClockSkewSeconds),
                };
                // The handler adds its own "Bearer error=…" challenge; API keys are accepted too.
                bearer.Events = new JwtBearerEvents
                {
                    OnChallenge = context =>
                    {
                        context.Response.Headers.Append(HeaderNames.WWWAuthenticate, ApiKeyAuthenticationHandler.Challenge);
                        return Task.CompletedTask;
                    },
                };
            });
        }

        var protectReads = section.GetValue<bool>(nameof(AuthOptions.ProtectReads));
        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Mutate, policy => policy.RequireAuthenticatedUser())
            .AddPolicy(Policies.Operator, policy => policy.RequireRole(Roles.Operator))
            .AddPolicy(Policies.Read, policy =>
            {
                if (protectReads)
                {
                    policy.RequireAuthenticatedUser();
                }
                else
                {
                    policy.RequireAssertion(_ => true);
                }
            });
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, CountingAuthorizationResultHandler>();
        services.AddHostedService<GeneratedKeyPrinter>();
        return services;
    }

    /// <summary>
    /// Prints a generated key once, to the console only (never to the log), like a notebook token. With JSON console
    /// logs (<c>Logging:Console:FormatterName=json</c>) it goes to standard error, so standard output stays one JSON
    /// object per line for whatever collects it.
    /// </summary>
    private sealed class GeneratedKeyPrinter(ApiKeyStore keys, IConfiguration configuration) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            if (keys.TakeGeneratedKey() is { } key)
            {
                var console = string.Equals(configuration["Logging:Console:FormatterName"], "json", StringComparison.OrdinalIgnoreCase)
                    ? Console.Error
                    : Console.Out;
                console.WriteLine($"""

                    No API key is configured (Auth:ApiKeys), so this one was generated for this run:

                        {ApiKeyAuthenticationHandler.HeaderName}: {key}

                    Send it with every POST/PUT/DELETE. It is not shown again; configure your own keys for production.

                    """);
            }

            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
