#include <xfront/xen.h>
