using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Migration.Application.Validation.StartIncr;
using Migration.WebApi.Security;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Migration.WebApi.Infrastructure;

internal static class SwaggerSetup
{
    public static IServiceCollection AddSwagger(this IServiceCollection services)
    {
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(swagger =>
        {
            swagger.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "Table migration control API",
                Version = "v1",
                Description = "Validate a live table between the source and the target, report every inconsistency and repair it.",
            });
            foreach (var assembly in new[] { typeof(Program).Assembly, typeof(StartIncrCommand).Assembly })
            {
                var xml = Path.Combine(AppContext.BaseDirectory, $"{assembly.GetName().Name}.xml");
                if (File.Exists(xml))
                {
                    swagger.IncludeXmlComments(xml);
                }
            }

            swagger.SchemaFilter<ExampleSchemaFilter>();
            swagger.AddSecurityDefinition(ApiKeyAuthenticationHandler.SchemeName, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = ApiKeyAuthenticationHandler.HeaderName,
                Description = "The API key (see Auth:ApiKeys, or the key printed at start).",
            });
            swagger.AddSecurityRequirement(document => new OpenApiSecurityRequirement
            {
                [new OpenApiSecuritySchemeReference(ApiKeyAuthenticationHandler.SchemeName, document)] = [],
            });
        });
        return services;
    }

    /// <summary>Request examples shown in Swagger UI's "Try it out".</summary>
    private sealed class ExampleSchemaFilter : ISchemaFilter
    {
        public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
        {
            if (context.Type == typeof(StartIncrCommand) && schema is OpenApiSchema concrete)
            {
                concrete.Examples = [new JsonObject { ["utime"] = 0, ["interval"] = 500 }];
            }
        }
    }
}
