using Microsoft.AspNetCore.Authentication;

namespace Migration.WebApi.Security;

internal static class SecurityServiceCollectionExtensions
{
    /// <summary>API-key authentication and the policies; prints a generated key once when none is configured.</summary>
    public static IServiceCollection AddApiKeySecurity(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(AuthOptions.SectionName);
        services.AddOptions<AuthOptions>().Bind(section);
        services.AddSingleton<ApiKeyStore>();
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);

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
        services.AddHostedService<GeneratedKeyPrinter>();
        return services;
    }

    /// <summary>Prints a generated key once, to the console only (never to the log), like a notebook token.</summary>
    private sealed class GeneratedKeyPrinter(ApiKeyStore keys) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            if (keys.TakeGeneratedKey() is { } key)
            {
                Console.WriteLine($"""

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
