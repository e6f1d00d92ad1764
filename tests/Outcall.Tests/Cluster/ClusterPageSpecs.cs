using OpenQA.Selenium;
using Outcall.Tests.Admin;
using AkkaCluster = Akka.Cluster.Cluster;

namespace Outcall.Tests.Cluster;

/// <summary>The live traffic page of a clustered node lists the members (issue 15), in headless Chromium.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterPageSpecs(TwoNodeCluster fixture, HeadlessChromium browser) : IClassFixture<TwoNodeCluster>, IClassFixture<HeadlessChromium>
{
    [Fact]
    public void The_page_of_a_clustered_node_shows_every_member_and_marks_itself()
    {
        var first = fixture.Cluster.Nodes[0];
        browser.Driver.Navigate().GoToUrl(first.AdminUri.ToString());
        var members = browser.WaitFor("both members with their rule counts", d =>
        {
            var rows = d.FindElements(By.CssSelector("#cluster-rows tr")).Select(r => r.FindElements(By.TagName("td")).Select(c => c.Text).ToArray()).ToArray();
            return rows.Length == 2 && rows.All(r => r[2] == "1") ? rows : null;
        });
        Assert.True(browser.Driver.FindElement(By.Id("cluster")).Displayed);
        var self = AkkaCluster.Get(first.Node.System).SelfAddress.ToString();
        Assert.Contains([$"{self} (this node)", "up"], members.Select(m => m[..2]));
        Assert.Equal(2, members.Count(m => m[1] == "up"));
    }
}
