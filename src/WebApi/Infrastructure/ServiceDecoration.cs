namespace Migration.WebApi.Infrastructure;

/// <summary>Wraps a registered service in another implementation of the same contract.</summary>
internal static class ServiceDecoration
{
    /// <summary>
    /// Replaces the last registration of <typeparamref name="TService"/> with <paramref name="decorate"/> applied to it;
    /// the original stays registered, under a key of its own, so the container still creates and disposes it.
    /// </summary>
    public static IServiceCollection Decorate<TService>(this IServiceCollection services, Func<IServiceProvider, TService, TService> decorate)
        where TService : class
    {
        var original = services.LastOrDefault(d => d.ServiceType == typeof(TService) && !d.IsKeyedService)
            ?? throw new InvalidOperationException($"{typeof(TService).Name} is not registered.");
        var key = new object();
        services.Remove(original);
        services.Add(original switch
        {
            { ImplementationType: { } type } => new ServiceDescriptor(typeof(TService), key, type, original.Lifetime),
            { ImplementationFactory: { } factory } => new ServiceDescriptor(typeof(TService), key, (sp, _) => factory(sp), original.Lifetime),
            _ => new ServiceDescriptor(typeof(TService), key, original.ImplementationInstance!),
        });
        services.Add(new ServiceDescriptor(typeof(TService), sp => decorate(sp, sp.GetRequiredKeyedService<TService>(key)), original.Lifetime));
        return services;
    }
}
