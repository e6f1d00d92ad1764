namespace Outcall.Egress;

public enum AddressCategory
{
    Public, Unspecified, Loopback, Private, LinkLocal, SharedAddressSpace, Multicast, Broadcast,
    Documentation, Benchmarking, Reserved, UniqueLocal, Ipv4Mapped, Ipv4Compatible, SixToFour, Nat64, Teredo,
    ProtocolAssignments, ProxyItself,
}
