using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.ApplicationModels;

namespace Migration.WebApi.Security;

/// <summary>
/// Every action that is not a plain read requires the <see cref="Policies.Mutate"/> policy, and reads the
/// <see cref="Policies.Read"/> policy, unless the action names its own policy: no endpoint is open by omission.
/// </summary>
internal sealed class RequireAuthorizationConvention : IActionModelConvention
{
    private static readonly HashSet<string> _reads = ["GET", "HEAD", "OPTIONS"];

    public void Apply(ActionModel action)
    {
        var explicitPolicy = action.Attributes.OfType<IAuthorizeData>().Any()
            || action.Controller.Attributes.OfType<IAuthorizeData>().Any()
            || action.Attributes.OfType<IAllowAnonymous>().Any();
        if (explicitPolicy)
        {
            return;
        }

        foreach (var selector in action.Selectors)
        {
            var methods = selector.EndpointMetadata.OfType<Microsoft.AspNetCore.Routing.HttpMethodMetadata>().SelectMany(m => m.HttpMethods).ToArray();
            var isRead = methods.Length > 0 && methods.All(_reads.Contains);
            selector.EndpointMetadata.Add(new AuthorizeAttribute(isRead ? Policies.Read : Policies.Mutate));
        }
    }
}
