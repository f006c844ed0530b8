using FluentValidation;
using Microsoft.Extensions.DependencyInjection;
using Migration.Application.Abstractions;
using Migration.Application.Common;
using Migration.Application.Patterns;
using Migration.Application.Patterns.Cutover;
using Migration.Application.Validation;
using Migration.Application.Validation.StartIncr;

namespace Migration.Application;

public static class DependencyInjection
{
    /// <summary>Registers the mediator with its validation pipeline, the validators, the run scheduler and the run rebaser.</summary>
    public static IServiceCollection AddApplication(this IServiceCollection services)
    {
        services.AddMediator(options =>
        {
            options.Assemblies = [typeof(StartIncrCommand)];
            options.PipelineBehaviors = [typeof(ValidationBehavior<,>)];
            options.GenerateTypesAsInternal = true;
        });
        services.AddValidatorsFromAssemblyContaining<StartIncrCommandValidator>(ServiceLifetime.Singleton, includeInternalTypes: true);
        services.AddSingleton<ValidationScheduler>();
        services.AddSingleton<IValidationScheduler>(sp => sp.GetRequiredService<ValidationScheduler>());
        services.AddHostedService(sp => sp.GetRequiredService<ValidationScheduler>());
        services.AddSingleton<RunRebaser>();
        services.AddSingleton<CutoverGate>();
        return services;
    }
}
