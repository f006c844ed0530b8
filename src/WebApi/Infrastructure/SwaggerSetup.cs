using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Migration.Application.Abstractions;
using Migration.Application.Conflicts.ListConflicts;
using Migration.Application.DeadLetters.RetryDeadLetters;
using Migration.Application.Patterns;
using Migration.Application.Patterns.Cutover;
using Migration.Application.Users;
using Migration.Application.Users.TransferBalance;
using Migration.Application.Validation;
using Migration.Application.Validation.GetStatus;
using Migration.Application.Validation.StartFull;
using Migration.Application.Validation.StartIncr;
using Migration.Domain;
using Migration.Domain.Patterns;
using Migration.Domain.Runs;
using Migration.WebApi.Controllers;
using Migration.WebApi.Security;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Migration.WebApi.Infrastructure;

/// <summary>
/// The OpenAPI document at <c>/swagger/v1/swagger.json</c> (Swagger UI at <c>/swagger</c>): every error response as
/// <c>application/problem+json</c> with an example; 401 (and the padlock) only on the endpoints that need a key; 403 on
/// those that need the <c>operator</c> role; 503 wherever a database is used; 415 wherever a body is read; 409 where
/// the action declares it (a conflict is the action's own rule); success bodies as <c>application/json</c>; the values
/// of string fields that take a fixed set (patterns, sides, run kinds and statuses) as string enums; request and
/// response examples; and the health endpoints.
/// </summary>
internal static class SwaggerSetup
{
    private const string ProblemJson = "application/problem+json";

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
            swagger.SchemaFilter<StringEnumSchemaFilter>();
            swagger.OperationFilter<ResponseConventionsOperationFilter>();
            swagger.DocumentFilter<HealthEndpointsDocumentFilter>();
            swagger.AddSecurityDefinition(ApiKeyAuthenticationHandler.SchemeName, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = ApiKeyAuthenticationHandler.HeaderName,
                Description = "The API key (see Auth:ApiKeys, or the key printed at start).",
            });
            swagger.AddSecurityDefinition(BearerScheme, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "A JWT bearer token, when Auth:Jwt is configured; roles come from its 'role' claim.",
            });
        });
        return services;
    }

    private const string BearerScheme = "Bearer";

    /// <summary>The allowed values of string fields and parameters that take a fixed set.</summary>
    private static class Values
    {
        public static readonly string[] Patterns = [.. Enum.GetValues<WritePattern>().Select(p => p.ToWire())];
        public static readonly string[] Sides = [.. Enum.GetValues<Direction>().Select(d => d.ToWire())];
        public static readonly string[] RunKinds = ["incremental", "full"];
        public static readonly string[] RunStatuses = [.. Enum.GetValues<RunStatus>().Select(s => s.ToString().ToLowerInvariant())];
        public static readonly string[] Transports = ["kafka", "in-process"];
        public static readonly string[] ConflictFilter = ["open", "all"];
        public static readonly string[] HealthStatuses = ["Healthy", "Degraded", "Unhealthy"];
    }

    /// <summary>Fields whose string values come from a fixed set, by the type that declares them.</summary>
    private static readonly Dictionary<Type, Dictionary<string, string[]>> _enumFields = new()
    {
        [typeof(RunDto)] = new() { ["kind"] = Values.RunKinds, ["status"] = Values.RunStatuses, ["baseSide"] = Values.Sides },
        [typeof(RunRestartDto)] = new() { ["kind"] = Values.RunKinds },
        [typeof(MigrationStatusDto)] = new() { ["pattern"] = Values.Patterns },
        [typeof(InstanceDto)] = new() { ["pattern"] = Values.Patterns },
        [typeof(PatternStateDto)] = new() { ["pattern"] = Values.Patterns, ["applied"] = Values.Patterns, ["baseSide"] = Values.Sides, ["allowed"] = Values.Patterns },
        [typeof(PatternSwitchDto)] = new() { ["previous"] = Values.Patterns, ["pattern"] = Values.Patterns, ["baseSide"] = Values.Sides, ["allowed"] = Values.Patterns },
        [typeof(CutoverDto)] = new() { ["current"] = Values.Patterns, ["next"] = Values.Patterns },
        [typeof(CutoverRunDto)] = new() { ["status"] = Values.RunStatuses, ["baseSide"] = Values.Sides },
        [typeof(ConflictDto)] = new() { ["baseSide"] = Values.Sides },
        [typeof(OutboxStatus)] = new() { ["transport"] = Values.Transports },
    };

    /// <summary>Query parameters whose values come from a fixed set, by route and name.</summary>
    private static readonly Dictionary<(string Path, string Parameter), string[]> _enumParameters = new()
    {
        [("migrator/cutover", "to")] = Values.Patterns,
        [("migrator/conflicts", "status")] = Values.ConflictFilter,
    };

    private static JsonArray Strings(IEnumerable<string> values) => [.. values.Select(v => (JsonNode)JsonValue.Create(v))];

    /// <summary>Marks the fixed-set string fields as string enums; lists of them get the enum on their items.</summary>
    private sealed class StringEnumSchemaFilter : ISchemaFilter
    {
        public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
        {
            if (!_enumFields.TryGetValue(context.Type, out var fields) || schema.Properties is null)
            {
                return;
            }

            foreach (var (name, values) in fields)
            {
                if (!schema.Properties.TryGetValue(name, out var property) || property is not OpenApiSchema field)
                {
                    continue;
                }

                var target = field.Items is OpenApiSchema items ? items : field;
                target.Enum = [.. values.Select(v => (JsonNode)JsonValue.Create(v))];
            }
        }
    }

    /// <summary>Request and response examples shown in Swagger UI.</summary>
    private sealed class ExampleSchemaFilter : ISchemaFilter
    {
        private static readonly Dictionary<Type, Func<JsonNode>> _examples = new()
        {
            [typeof(StartIncrCommand)] = () => new JsonObject { ["utime"] = 0, ["interval"] = 500 },
            [typeof(StartFullCommand)] = () => new JsonObject { ["resume"] = false, ["maxRowsPerSecond"] = 0 },
            [typeof(RetryDeadLettersCommand)] = () => new JsonObject { ["ids"] = new JsonArray(3, 7) },
            [typeof(UserBody)] = () => new JsonObject { ["name"] = "Ada Lovelace", ["email"] = "ada@example.com", ["age"] = 36, ["balance"] = 120.50m },
            [typeof(TransferBalanceCommand)] = () => new JsonObject { ["from"] = 1, ["to"] = 2, ["amount"] = 25.00m },
            [typeof(UserDto)] = () => User(42),
            [typeof(RunDto)] = Run,
            [typeof(StopResultDto)] = () => new JsonObject { ["wasRunning"] = true, ["run"] = Run() },
        };

        public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
        {
            if (_examples.TryGetValue(context.Type, out var example) && schema is OpenApiSchema concrete)
            {
                concrete.Examples = [example()];
            }
        }

        private static JsonObject User(long id) => new()
        {
            ["id"] = id,
            ["name"] = "Ada Lovelace",
            ["email"] = "ada@example.com",
            ["age"] = 36,
            ["balance"] = 120.50m,
            ["ctime"] = 1767225600000,
            ["utime"] = 1767225600000,
        };

        private static JsonObject Run() => new()
        {
            ["id"] = "3f0c7a52-93a4-4c2e-9d55-2a4c1c6f0b1e",
            ["kind"] = "full",
            ["status"] = "completed",
            ["table"] = "users",
            ["baseSide"] = "SRC",
            ["utime"] = 0,
            ["interval"] = null,
            ["startedAt"] = "2026-01-01T10:00:00+00:00",
            ["endedAt"] = "2026-01-01T10:00:04.2+00:00",
            ["rowsChecked"] = 50000,
            ["rowsPerSecond"] = 11904.8,
            ["inconsistencies"] = new JsonObject { ["target_missing"] = 500, ["neq"] = 200, ["base_missing"] = 100 },
            ["eventsPublished"] = 800,
            ["errors"] = 0,
            ["lastError"] = null,
            ["cursor"] = new JsonObject { ["utime"] = 0, ["id"] = 50000 },
            ["targetCursor"] = new JsonObject { ["utime"] = 0, ["id"] = 49750 },
            ["suspectsPending"] = 0,
            ["suspectsCleared"] = 0,
            ["recentRowsPerSecond"] = 12100.0,
            ["maxRowsPerSecond"] = 0,
            ["cursorLagMs"] = null,
            ["estimatedRows"] = 50000,
            ["etaSeconds"] = null,
        };
    }

    /// <summary>
    /// Per action, from its endpoint metadata: 401 and the security requirement only where the action's policy needs a
    /// caller (<see cref="Policies.Mutate"/>, <see cref="Policies.Operator"/>, and <see cref="Policies.Read"/> when
    /// <see cref="AuthOptions.ProtectReads"/> is on); 403 where it needs the operator role; 503 on every action that
    /// reads or writes a database; 415 where it reads a body; every 4xx and 5xx as ProblemDetails in
    /// <c>application/problem+json</c> with an example.
    /// </summary>
    private sealed class ResponseConventionsOperationFilter(IOptions<AuthOptions> auth) : IOperationFilter
    {
        /// <summary>Actions that use no database: the stops only cancel a background task and await it.</summary>
        private static readonly HashSet<string> _noDatabase = [nameof(MigratorController.StopIncr), nameof(MigratorController.StopFull)];

        public void Apply(OpenApiOperation operation, OperationFilterContext context)
        {
            var metadata = context.ApiDescription.ActionDescriptor.EndpointMetadata;
            var policies = metadata.OfType<IAuthorizeData>().Select(a => a.Policy).ToHashSet();
            var anonymous = metadata.OfType<IAllowAnonymous>().Any();
            var needsCaller = !anonymous && (policies.Contains(Policies.Mutate) || policies.Contains(Policies.Operator)
                || (policies.Contains(Policies.Read) && auth.Value.ProtectReads));
            operation.Responses ??= [];
            if (needsCaller)
            {
                Add(operation, StatusCodes.Status401Unauthorized,
                    $"No valid credentials: no API key in {ApiKeyAuthenticationHandler.HeaderName} (or bearer token), a wrong one, or more than one. "
                    + "`WWW-Authenticate` names the accepted schemes; `detail` says what was wrong.");
                operation.Security ??= [];
                var requirement = new OpenApiSecurityRequirement
                {
                    [new OpenApiSecuritySchemeReference(ApiKeyAuthenticationHandler.SchemeName, context.Document)] = [],
                };
                if (auth.Value.Jwt.Enabled)
                {
                    operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] });
                }

                operation.Security.Add(requirement);
            }

            if (!anonymous && policies.Contains(Policies.Operator))
            {
                Add(operation, StatusCodes.Status403Forbidden, $"The caller lacks the `{Roles.Operator}` role; `detail` names it.");
            }

            if (context.ApiDescription.ParameterDescriptions.Any(p => p.Source.Id == "Body"))
            {
                Add(operation, StatusCodes.Status415UnsupportedMediaType, "The body is not `application/json` (UTF-8); `detail` names the type expected.");
            }

            if (!_noDatabase.Contains(context.MethodInfo.Name) || context.MethodInfo.DeclaringType != typeof(MigratorController))
            {
                Add(operation, StatusCodes.Status503ServiceUnavailable,
                    "A database did not answer in time or could not be reached; retry later. The service log has the cause under the `traceId`.");
            }

            foreach (var (code, response) in operation.Responses)
            {
                if (!int.TryParse(code, out var status) || response is not OpenApiResponse concrete)
                {
                    continue;
                }

                if (status >= 400)
                {
                    concrete.Content = new Dictionary<string, IOpenApiMediaType>
                    {
                        [ProblemJson] = new OpenApiMediaType
                        {
                            Schema = ProblemSchema(concrete, status, context),
                            Example = ProblemExample(status),
                        },
                    };
                }
                else if (concrete.Content is { } content && content.TryGetValue("application/json", out var json))
                {
                    // The API answers JSON only; MVC's formatters would also list text/plain and text/json.
                    concrete.Content = new Dictionary<string, IOpenApiMediaType> { ["application/json"] = json };
                }
            }

            foreach (var parameter in operation.Parameters ?? [])
            {
                if (parameter is OpenApiParameter { Schema: OpenApiSchema schema } concreteParameter
                    && _enumParameters.TryGetValue((context.ApiDescription.RelativePath ?? "", concreteParameter.Name ?? ""), out var values))
                {
                    schema.Enum = [.. values.Select(v => (JsonNode)JsonValue.Create(v))];
                }
            }
        }

        /// <summary>Adds the response unless the action documents it itself; replaces the framework's bare description.</summary>
        private static void Add(OpenApiOperation operation, int status, string description)
        {
            var code = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (operation.Responses!.TryGetValue(code, out var existing))
            {
                if (existing is OpenApiResponse concrete && (string.IsNullOrEmpty(concrete.Description) || concrete.Description == ReasonPhrase(status)))
                {
                    concrete.Description = description;
                }

                return;
            }

            operation.Responses[code] = new OpenApiResponse { Description = description };
        }

        private static string ReasonPhrase(int status) => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status);

        /// <summary>The schema the action declared for the error, else ProblemDetails (ValidationProblemDetails for a 400).</summary>
        private static IOpenApiSchema ProblemSchema(OpenApiResponse response, int status, OperationFilterContext context)
        {
            var declared = response.Content?.Values.Select(m => m.Schema).FirstOrDefault(s => s is not null);
            return declared ?? context.SchemaGenerator.GenerateSchema(
                status == StatusCodes.Status400BadRequest ? typeof(ValidationProblemDetails) : typeof(ProblemDetails), context.SchemaRepository);
        }

        private static JsonObject ProblemExample(int status)
        {
            var (title, detail) = status switch
            {
                400 => (ValidationProblems.Title, null),
                401 => ("Unauthorized", $"No credentials: send an API key in the {ApiKeyAuthenticationHandler.HeaderName} header."),
                403 => ("Forbidden", $"This needs the '{Roles.Operator}' role, which 'dashboard' does not have."),
                404 => ("Not found", "users:42 does not exist on SRC, the primary side."),
                409 => ("Conflict", "dst_first is not one step from src_only; allowed: src_only, src_first, dst_first. Pass ?force=true to jump."),
                415 => ("Unsupported Media Type", "The body must be application/json (UTF-8); the request sent Content-Type: text/plain."),
                503 => ("A database did not answer as expected.", "Retry later; the service log has the cause under the trace id."),
                _ => (ReasonPhrase(status), (string?)null),
            };
            var example = new JsonObject
            {
                ["type"] = $"https://tools.ietf.org/html/rfc9110#section-15.{(status < 500 ? 5 : 6)}.{(status < 500 ? status - 399 : status - 499)}",
                ["title"] = title,
                ["status"] = status,
            };
            if (detail is not null)
            {
                example["detail"] = detail;
            }

            if (status == StatusCodes.Status400BadRequest)
            {
                example["errors"] = new JsonObject { ["interval"] = new JsonArray("'interval' must be between 1 and 3600000.") };
            }

            example["traceId"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
            return example;
        }
    }

    /// <summary>
    /// <c>/health</c>, <c>/health/live</c> and <c>/health/ready</c> are health-check endpoints, which API Explorer does not
    /// see: listed here, open (no padlock), 200 or 503 with the same body.
    /// </summary>
    private sealed class HealthEndpointsDocumentFilter : IDocumentFilter
    {
        public void Apply(OpenApiDocument document, DocumentFilterContext context)
        {
            document.Components ??= new OpenApiComponents();
            document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
            document.Components.Schemas["HealthReport"] = HealthReportSchema();
            document.Tags ??= new HashSet<OpenApiTag>();
            document.Tags.Add(new OpenApiTag { Name = "Health" });
            foreach (var (path, summary) in new[]
            {
                ("/health", "Every check: the sides, the control database, Kafka when configured."),
                ("/health/live", "The process serves; touches no database. For a liveness probe."),
                ("/health/ready", "The sides, the control database and Kafka when configured, each probe bounded. For a readiness probe."),
            })
            {
                document.Paths[path] = new OpenApiPathItem
                {
                    Operations = new Dictionary<HttpMethod, OpenApiOperation>
                    {
                        [HttpMethod.Get] = new()
                        {
                            Tags = new HashSet<OpenApiTagReference> { new("Health", document) },
                            Summary = summary,
                            OperationId = "Health" + string.Concat(path.Split('/', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(s => char.ToUpperInvariant(s[0]) + s[1..])),
                            Security = [],
                            Responses = new OpenApiResponses
                            {
                                ["200"] = HealthResponse("Healthy or Degraded.", "Healthy", document),
                                ["503"] = HealthResponse("Unhealthy: at least one check failed; its entry says which.", "Unhealthy", document),
                            },
                        },
                    },
                };
            }
        }

        private static OpenApiResponse HealthResponse(string description, string status, OpenApiDocument document) => new()
        {
            Description = description,
            Content = new Dictionary<string, IOpenApiMediaType>
            {
                ["application/json"] = new OpenApiMediaType
                {
                    Schema = new OpenApiSchemaReference("HealthReport", document),
                    Example = new JsonObject
                    {
                        ["status"] = status,
                        ["durationMs"] = 4,
                        ["checks"] = new JsonObject
                        {
                            ["databases"] = new JsonObject { ["status"] = status, ["description"] = status == "Healthy" ? null : "SRC did not answer within 2000 ms", ["durationMs"] = 3 },
                            ["control"] = new JsonObject { ["status"] = "Healthy", ["description"] = null, ["durationMs"] = 1 },
                            ["kafka"] = new JsonObject { ["status"] = "Healthy", ["description"] = "not configured", ["durationMs"] = 0 },
                        },
                    },
                },
            },
        };

        private static OpenApiSchema HealthReportSchema()
        {
            var status = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [.. Values.HealthStatuses.Select(v => (JsonNode)JsonValue.Create(v))] };
            return new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "The overall status, how long the checks took, and each check's status and description (never a database's own error text).",
                Properties = new Dictionary<string, IOpenApiSchema>
                {
                    ["status"] = status,
                    ["durationMs"] = new OpenApiSchema { Type = JsonSchemaType.Number },
                    ["checks"] = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Object,
                        AdditionalProperties = new OpenApiSchema
                        {
                            Type = JsonSchemaType.Object,
                            Properties = new Dictionary<string, IOpenApiSchema>
                            {
                                ["status"] = status,
                                ["description"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
                                ["durationMs"] = new OpenApiSchema { Type = JsonSchemaType.Number },
                            },
                        },
                    },
                },
            };
        }
    }
}
