using Migration.Domain.Inconsistencies;

namespace Migration.WebApi.IntegrationTests.Infrastructure;

/// <summary>The seed's <c>ID</c> of an event on a table whose key is one integer, as most tests plant them.</summary>
internal static class EventKeys
{
    extension(InconsistentEvent e)
    {
        public long Id => e.Key.AsInt64 ?? throw new InvalidOperationException($"{e.MessageKey} has no single integer key.");
    }
}
